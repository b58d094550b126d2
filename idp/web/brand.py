"""``/brand.css``: the brand colour from configuration, as a stylesheet (CSP forbids inline
styles)."""

from __future__ import annotations

import re

from flask import Blueprint, Response

from idp.runtime import runtime

bp = Blueprint("brand", __name__)
COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


@bp.get("/brand.css")
def brand_css() -> Response:
    colour = runtime().settings.brand.color
    body = f":root {{ --brand: {colour}; }}\n" if COLOUR.match(colour) else ""
    return Response(body, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})

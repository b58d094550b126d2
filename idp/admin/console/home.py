"""The console's home page: what this staff member's role lets them do."""

from __future__ import annotations

from flask import render_template, request

from idp.admin.console.blueprint import STAFF, bp, staff_page


@bp.get("/")
@staff_page(STAFF)
def home() -> str:
    return render_template("admin/home.html", section="home", done=request.args.get("done"))

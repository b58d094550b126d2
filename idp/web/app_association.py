"""The files that associate the native apps with our RP ID, so that they may use its passkeys.

- ``/.well-known/apple-app-site-association``: ``webcredentials`` of the iOS apps named by
  ``IDP_APPLE_APP_IDS`` (Apple fetches it through its CDN: exact path, 200, no redirect).
- ``/.well-known/assetlinks.json``: Digital Asset Links of the Android apps named by
  ``IDP_ANDROID_APPS`` (package and signing-certificate fingerprints).

Both are built once per app from the (immutable) settings and served as bytes; a platform with
nothing configured gets a JSON 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app
from flask.blueprints import BlueprintSetupState

from idp.config import WebAuthnSettings
from idp.runtime import runtime

bp = Blueprint("app_association", __name__)

EXTENSION = "idp.app_association"
CACHE_CONTROL = "public, max-age=3600"
# Sharing the web origin's sign-in (``get_login_creds``: passkeys and passwords) and links.
ANDROID_RELATIONS = [
    "delegate_permission/common.handle_all_urls",
    "delegate_permission/common.get_login_creds",
]
NOT_CONFIGURED = json.dumps({"error": "not_configured"}).encode()


@dataclass(frozen=True)
class Documents:
    apple: bytes | None  # None: no iOS app configured
    android: bytes | None  # None: no Android app configured


def apple_document(webauthn: WebAuthnSettings) -> dict[str, Any] | None:
    apps = webauthn.apple_apps()
    return {"webcredentials": {"apps": apps}} if apps else None


def android_document(webauthn: WebAuthnSettings) -> list[dict[str, Any]] | None:
    statements = [
        {
            "relation": list(ANDROID_RELATIONS),
            "target": {
                "namespace": "android_app",
                "package_name": package,
                "sha256_cert_fingerprints": fingerprints,
            },
        }
        for package, fingerprints in webauthn.android_fingerprints().items()
    ]
    return statements or None


def build_documents(webauthn: WebAuthnSettings) -> Documents:
    def encode(document: object) -> bytes | None:
        return None if document is None else json.dumps(document).encode()

    return Documents(
        apple=encode(apple_document(webauthn)), android=encode(android_document(webauthn))
    )


@bp.record_once
def _precompute(state: BlueprintSetupState) -> None:
    settings = runtime(cast(Flask, state.app)).settings
    state.app.extensions[EXTENSION] = build_documents(settings.webauthn)


def _serve(body: bytes | None) -> Response:
    if body is None:
        return Response(
            NOT_CONFIGURED,
            status=404,
            mimetype="application/json",
            headers={"Cache-Control": "no-cache"},
        )
    return Response(body, mimetype="application/json", headers={"Cache-Control": CACHE_CONTROL})


def _documents() -> Documents:
    documents: Documents = current_app.extensions[EXTENSION]
    return documents


@bp.get("/.well-known/apple-app-site-association")
def apple_app_site_association() -> Response:
    return _serve(_documents().apple)


@bp.get("/.well-known/assetlinks.json")
def assetlinks() -> Response:
    return _serve(_documents().android)

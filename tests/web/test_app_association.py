"""The files associating the iOS and Android apps with our RP ID (passkeys in native apps)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask

from idp.config import WebAuthnSettings, validate
from tests.conftest import build_app, dispose_app, make_settings

APPLE = "/.well-known/apple-app-site-association"
ANDROID = "/.well-known/assetlinks.json"
RELATIONS = [
    "delegate_permission/common.handle_all_urls",
    "delegate_permission/common.get_login_creds",
]
PRINT_A = ":".join(["AB"] * 32)
PRINT_B = ":".join(["0F"] * 31 + ["9C"])
PRINT_C = ":".join(["12"] * 32)


@pytest.fixture
def make_app(database_url: str) -> Iterator:
    built: list[Flask] = []

    def make(apple_app_ids: str = "", android_apps: str = "") -> Flask:
        webauthn = WebAuthnSettings(apple_app_ids=apple_app_ids, android_apps=android_apps)
        settings = make_settings(
            database_url, issuer="https://connexion.mutuelle.example", webauthn=webauthn
        )
        validate(settings)  # the values below are ones an operator could set
        app = build_app(settings)
        built.append(app)
        return app

    yield make
    for app in built:
        dispose_app(app)


def _get(app: Flask, path: str):
    return app.test_client().get(path)


def test_apple_file_lists_the_configured_app(make_app):
    app = make_app(apple_app_ids="ABCDE12345.fr.mutuelle.monespacesante")
    response = _get(app, APPLE)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert json.loads(response.data) == {
        "webcredentials": {"apps": ["ABCDE12345.fr.mutuelle.monespacesante"]}
    }
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_apple_file_lists_several_apps_in_order(make_app):
    app = make_app(
        apple_app_ids=" ABCDE12345.fr.mutuelle.monespacesante , ZYXWV98765.fr.mutuelle.beta"
    )
    response = _get(app, APPLE)
    assert response.status_code == 200
    assert response.json == {
        "webcredentials": {
            "apps": ["ABCDE12345.fr.mutuelle.monespacesante", "ZYXWV98765.fr.mutuelle.beta"]
        }
    }


def test_apple_file_is_served_at_the_exact_path_without_redirect(make_app):
    app = make_app(apple_app_ids="ABCDE12345.fr.mutuelle.monespacesante")
    client = app.test_client()
    assert client.get(APPLE, follow_redirects=False).status_code == 200
    assert client.head(APPLE).status_code == 200
    assert client.get(APPLE + ".json").status_code == 404


def test_android_file_lists_one_statement_per_package(make_app):
    app = make_app(
        android_apps=(
            f"fr.mutuelle.monespacesante={PRINT_A}|{PRINT_B.lower()},"
            f"fr.mutuelle.monespacesante.beta={PRINT_C}"
        )
    )
    response = _get(app, ANDROID)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert json.loads(response.data) == [
        {
            "relation": RELATIONS,
            "target": {
                "namespace": "android_app",
                "package_name": "fr.mutuelle.monespacesante",
                "sha256_cert_fingerprints": [PRINT_A, PRINT_B],
            },
        },
        {
            "relation": RELATIONS,
            "target": {
                "namespace": "android_app",
                "package_name": "fr.mutuelle.monespacesante.beta",
                "sha256_cert_fingerprints": [PRINT_C],
            },
        },
    ]


def test_android_file_with_one_package(make_app):
    app = make_app(android_apps=f"fr.mutuelle.monespacesante={PRINT_A}")
    assert _get(app, ANDROID).json == [
        {
            "relation": RELATIONS,
            "target": {
                "namespace": "android_app",
                "package_name": "fr.mutuelle.monespacesante",
                "sha256_cert_fingerprints": [PRINT_A],
            },
        }
    ]


@pytest.mark.parametrize("path", [APPLE, ANDROID])
def test_unconfigured_platform_is_a_json_404(make_app, path):
    response = _get(make_app(), path)
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json == {"error": "not_configured"}
    assert "max-age" not in response.headers["Cache-Control"]


def test_each_platform_is_configured_on_its_own(make_app):
    app = make_app(android_apps=f"fr.mutuelle.monespacesante={PRINT_A}")
    assert _get(app, APPLE).status_code == 404
    assert _get(app, ANDROID).status_code == 200


def test_documents_are_built_once_per_app(make_app):
    from idp.web.app_association import EXTENSION

    app = make_app(apple_app_ids="ABCDE12345.fr.mutuelle.monespacesante")
    first = _get(app, APPLE).data
    assert _get(app, APPLE).data == first
    assert app.extensions[EXTENSION].apple == first

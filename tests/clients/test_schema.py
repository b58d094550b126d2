"""clients.yaml validation: every error names the file line, the client and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp.clients.schema import load_clients_file
from idp.config import PROJECT_ROOT, load_settings
from idp.errors import ConfigError

GOOD = """
clients:
  - client_id: portal
    name: Portal
    type: confidential
    secret_env: IDP_TEST_SECRET_HEALTH_PORTAL
    redirect_uris: [https://portal.example.org/cb]
"""


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "clients.yaml"
    path.write_text(text)
    return load_clients_file(path, load_settings(env or {}))


def test_shipped_file_declares_the_three_relying_parties():
    specs = load_clients_file(PROJECT_ROOT / "clients.yaml", load_settings({}))
    by_id = {s.client_id: s for s in specs}
    assert set(by_id) == {"health-portal", "provident-portal", "mobile-app"}
    assert by_id["mobile-app"].type == "public" and by_id["mobile-app"].webauthn == "offer"
    assert by_id["mobile-app"].access and by_id["mobile-app"].access.requires_contract == "health"
    assert by_id["health-portal"].second_factor == "always"


def test_defaults(tmp_path):
    (spec,) = load(tmp_path, GOOD)
    assert spec.grant_types == ("authorization_code", "refresh_token")
    assert spec.require_pkce and spec.consent == "implicit" and spec.webauthn == "never"


@pytest.mark.parametrize(
    ("change", "line", "field", "reason"),
    [
        (("type: confidential", "type: secret"), 5, "type", "confidential"),
        (
            ("secret_env: IDP_TEST_SECRET_HEALTH_PORTAL", "secret: hunter2"),
            6,
            "secret",
            "plaintext",
        ),
        (
            ("[https://portal.example.org/cb]", "[http://portal.example.org/cb]"),
            7,
            "redirect_uris",
            "https",
        ),
        (
            ("[https://portal.example.org/cb]", "[https://portal.example.org/cb#x]"),
            7,
            "redirect_uris",
            "fragment",
        ),
        (("[https://portal.example.org/cb]", "[]"), 7, "redirect_uris", "at least one"),
        (("name: Portal", "name: ''"), 4, "name", "required"),
        (
            ("type: confidential", "type: confidential\n    scopes: [openid, admin]"),
            6,
            "scopes",
            "unknown scope",
        ),
        (
            ("type: confidential", "type: confidential\n    grant_types: [password]"),
            6,
            "grant_types",
            "unknown",
        ),
        (
            ("type: confidential", "type: confidential\n    colour: blue"),
            6,
            "colour",
            "unknown field",
        ),
        (
            ("type: confidential", "type: confidential\n    access_token_ttl: -5"),
            6,
            "access_token_ttl",
            "from 30 to 86400",
        ),
        (
            # An unbounded lifetime would later overflow a date at /token.
            ("type: confidential", "type: confidential\n    access_token_ttl: 1000000000000"),
            6,
            "access_token_ttl",
            "from 30 to 86400",
        ),
        (
            ("type: confidential", "type: confidential\n    refresh_token_max_lifetime: 60"),
            6,
            "refresh_token_max_lifetime",
            "from 300 to 34560000",
        ),
        (
            ("type: confidential", "type: confidential\n    second_factor: never"),
            6,
            "second_factor",
            "always",
        ),
        (
            ("type: confidential", "type: confidential\n    access: {requires_contract: car}"),
            6,
            "access",
            "health",
        ),
    ],
)
def test_errors_name_line_client_and_field(tmp_path, change, line, field, reason):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, GOOD.replace(*change))
    message = str(raised.value)
    assert f"clients.yaml:{line}: client 'portal', field '{field}'" in message
    assert reason in message


def test_public_client_rules(tmp_path):
    public = GOOD.replace("type: confidential", "type: public").replace(
        "    secret_env: IDP_TEST_SECRET_HEALTH_PORTAL\n", ""
    )
    (spec,) = load(tmp_path, public.replace("https://portal.example.org/cb", "fr.example.app:/cb"))
    assert spec.redirect_uris == ("fr.example.app:/cb",)
    with pytest.raises(ConfigError, match="PKCE is always required"):
        load(tmp_path, public + "    require_pkce: false\n")
    with pytest.raises(ConfigError, match="client_credentials"):
        load(tmp_path, public + "    grant_types: [client_credentials]\n")
    with pytest.raises(ConfigError, match="custom schemes only for"):
        load(tmp_path, GOOD.replace("https://portal.example.org/cb", "fr.example.app:/cb"))


def test_duplicate_client_ids_are_refused(tmp_path):
    text = GOOD + GOOD.split("clients:\n", 1)[1]
    with pytest.raises(ConfigError, match="duplicate of the client on line 3"):
        load(tmp_path, text)


def test_secrets_must_be_long_and_present_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("IDP_TEST_SECRET_HEALTH_PORTAL", "short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load(tmp_path, GOOD)
    monkeypatch.delenv("IDP_TEST_SECRET_HEALTH_PORTAL")
    production = {
        "IDP_ENV": "production",
        "IDP_ISSUER": "https://login.example.org",
        "IDP_DATABASE_URL": "postgresql+psycopg://idp@db/idp",
        "IDP_REDIS_URL": "redis://redis:6379/0",
        "IDP_SECRET_KEY": "x" * 40,
    }
    with pytest.raises(ConfigError, match="IDP_TEST_SECRET_HEALTH_PORTAL is not set"):
        load(tmp_path, GOOD, production)


def test_unreadable_or_invalid_yaml_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_clients_file(tmp_path / "missing.yaml", load_settings({}))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(tmp_path, "clients: [\n")
    with pytest.raises(ConfigError, match="expected a list of clients"):
        load(tmp_path, "clients: 3\n")

"""Settings from IDP_* variables: defaults, typed parsing, and refusals naming the variable."""

from __future__ import annotations

import pytest

from idp.config import DEV_SECRET_KEY, load_settings
from idp.errors import ConfigError

PRODUCTION = {
    "IDP_ENV": "production",
    "IDP_ISSUER": "https://login.example.org",
    "IDP_DATABASE_URL": "postgresql+psycopg://idp@db/idp",
    "IDP_REDIS_URL": "redis://redis:6379/0",
    "IDP_SECRET_KEY": "x" * 40,
}


def test_defaults_are_development_with_embedded_storage():
    settings = load_settings({})
    assert settings.server.issuer == "http://127.0.0.1:8000"
    assert settings.server.secret_key == DEV_SECRET_KEY
    assert settings.storage.embedded_redis and settings.storage.embedded_database
    assert settings.database_url.startswith("sqlite:///")
    notes = " ".join(settings.warnings())
    assert "single-process" in notes and "IDP_SECRET_KEY" in notes


def test_values_are_typed():
    settings = load_settings({"IDP_ACCESS_TOKEN_TTL": "120", "IDP_BRAND_NAME": "Ma mutuelle"})
    assert settings.tokens.access_token_ttl == 120
    assert settings.brand.name == "Ma mutuelle"


def test_production_settings_are_accepted():
    settings = load_settings(PRODUCTION)
    assert settings.server.production and settings.warnings() == []


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"IDP_ACCESS_TOKEN_TTL": "five"}, "IDP_ACCESS_TOKEN_TTL"),
        ({"IDP_ACCESS_TOKEN_TTL": "-1"}, "IDP_ACCESS_TOKEN_TTL"),
        ({"IDP_ENV": "staging"}, "IDP_ENV"),
        ({"IDP_ISSUER": "login.example.org"}, "IDP_ISSUER"),
        ({"IDP_ISSUER": "https://login.example.org/"}, "IDP_ISSUER"),
        ({"IDP_SIGNING_ALG": "HS256"}, "IDP_SIGNING_ALG"),
        ({"IDP_REDIS_URL": "http://redis"}, "IDP_REDIS_URL"),
        ({"IDP_AUTHORIZATION_CODE_TTL": "3600"}, "IDP_AUTHORIZATION_CODE_TTL"),
        ({"IDP_SMTP_URL": "mail.example.org:25"}, "IDP_SMTP_URL"),
        ({"IDP_SMS_WEBHOOK_URL": "ftp://sms.example.org"}, "IDP_SMS_WEBHOOK_URL"),
        ({**PRODUCTION, "IDP_REDIS_URL": ""}, "IDP_REDIS_URL"),
        ({**PRODUCTION, "IDP_DATABASE_URL": ""}, "IDP_DATABASE_URL"),
        ({**PRODUCTION, "IDP_SECRET_KEY": ""}, "IDP_SECRET_KEY"),
        ({**PRODUCTION, "IDP_SECRET_KEY": "short"}, "IDP_SECRET_KEY"),
        ({**PRODUCTION, "IDP_ISSUER": "http://login.example.org"}, "IDP_ISSUER"),
    ],
)
def test_bad_values_stop_the_start_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert variable in str(raised.value)


def test_check_config_command_reports_a_bad_clients_file(app, tmp_path):
    from dataclasses import replace

    from idp.runtime import runtime

    bad = tmp_path / "clients.yaml"
    bad.write_text("clients:\n  - client_id: x\n    name: X\n    type: secret\n")
    rt = runtime()
    rt.settings = replace(rt.settings, clients_file=str(bad))
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert f"{bad}:4: client 'x', field 'type'" in result.output


def test_check_config_command_accepts_the_shipped_clients_file(app):
    from dataclasses import replace

    from idp.config import PROJECT_ROOT
    from idp.runtime import runtime

    rt = runtime()
    rt.settings = replace(rt.settings, clients_file=str(PROJECT_ROOT / "clients.yaml"))
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "Configuration is valid." in result.output

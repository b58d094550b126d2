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


def test_the_refresh_familys_absolute_lifetime_is_read_within_its_bounds():
    assert load_settings({}).tokens.refresh_token_max_lifetime == 90 * 86400
    for seconds in (300, 400 * 86400):
        settings = load_settings({"IDP_REFRESH_TOKEN_MAX_LIFETIME": str(seconds)})
        assert settings.tokens.refresh_token_max_lifetime == seconds


def test_outbox_settings_are_read():
    env = {"IDP_OUTBOX_MAX_ATTEMPTS": "3", "IDP_OUTBOX_RETRY_DELAY": "5",
           "IDP_OUTBOX_RETRY_MAX_DELAY": "40", "IDP_OUTBOX_MAX_AGE": "7200",
           "IDP_OUTBOX_WORKERS": "2", "IDP_OUTBOX_POLL_INTERVAL": "1"}  # fmt: skip
    settings = load_settings(env)
    mail = settings.mail
    assert (mail.outbox_max_attempts, mail.outbox_retry_delay) == (3, 5)
    assert mail.outbox_retry_max_delay == 40
    assert (mail.outbox_max_age, mail.outbox_workers, mail.outbox_poll_interval) == (7200, 2, 1)


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
        ({"IDP_OUTBOX_MAX_ATTEMPTS": "0"}, "IDP_OUTBOX_MAX_ATTEMPTS"),
        ({"IDP_OUTBOX_WORKERS": "17"}, "IDP_OUTBOX_WORKERS"),
        (
            {"IDP_OUTBOX_RETRY_DELAY": "600", "IDP_OUTBOX_RETRY_MAX_DELAY": "60"},
            "IDP_OUTBOX_RETRY_MAX_DELAY",
        ),
        ({"IDP_OUTBOX_MAX_AGE": "10"}, "IDP_OUTBOX_MAX_AGE"),
        # A refresh family ends 5 minutes to 400 days after the sign-in (ASVS 10.4.8).
        ({"IDP_REFRESH_TOKEN_MAX_LIFETIME": "299"}, "IDP_REFRESH_TOKEN_MAX_LIFETIME"),
        (
            {"IDP_REFRESH_TOKEN_MAX_LIFETIME": str(400 * 86400 + 1)},
            "IDP_REFRESH_TOKEN_MAX_LIFETIME",
        ),
        ({"IDP_REFRESH_TOKEN_MAX_LIFETIME": "forever"}, "IDP_REFRESH_TOKEN_MAX_LIFETIME"),
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


# Passkeys (WebAuthn) and the native apps' association files.

MUTUELLE = {"IDP_ISSUER": "https://connexion.mutuelle.example"}
FINGERPRINT = ":".join(["AB"] * 32)
APK_KEY_HASH = "android:apk-key-hash:" + "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA"


def test_webauthn_defaults_use_the_issuer_host():
    settings = load_settings(MUTUELLE)
    webauthn = settings.webauthn
    assert webauthn.effective_rp_id(settings.server.issuer) == "connexion.mutuelle.example"
    assert webauthn.origins(settings.server.issuer) == ["https://connexion.mutuelle.example"]
    assert webauthn.challenge_ttl == 120 and webauthn.offer_snooze_days == 30
    assert webauthn.apple_apps() == [] and webauthn.android_fingerprints() == {}
    assert webauthn.available(settings.server.issuer)


def test_webauthn_rp_id_may_be_a_parent_domain():
    settings = load_settings({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "mutuelle.example"})
    assert settings.webauthn.effective_rp_id(settings.server.issuer) == "mutuelle.example"
    assert settings.webauthn.available(settings.server.issuer)


def test_webauthn_origin_omits_the_default_port():
    settings = load_settings({"IDP_ISSUER": "https://connexion.mutuelle.example:443"})
    assert settings.webauthn.origins(settings.server.issuer) == [
        "https://connexion.mutuelle.example"
    ]


def test_passkeys_need_a_host_name():
    ip = load_settings({"IDP_ISSUER": "http://127.0.0.1:8000"})
    assert not ip.webauthn.available(ip.server.issuer)
    assert any("passkeys" in note for note in ip.warnings())
    local = load_settings({"IDP_ISSUER": "http://localhost:8000"})
    assert local.webauthn.available(local.server.issuer)
    assert local.webauthn.origins(local.server.issuer) == ["http://localhost:8000"]


def test_native_app_values_are_parsed():
    settings = load_settings(
        {
            **MUTUELLE,
            "IDP_APPLE_APP_IDS": "ABCDE12345.fr.mutuelle.monespacesante, ZYXWV98765.fr.mutuelle.b",
            "IDP_ANDROID_APPS": f"fr.mutuelle.monespacesante={FINGERPRINT.lower()}|{FINGERPRINT}",
            "IDP_WEBAUTHN_EXTRA_ORIGINS": f"{APK_KEY_HASH}, https://mutuelle.example",
            "IDP_WEBAUTHN_RP_ID": "mutuelle.example",
        }
    )
    webauthn = settings.webauthn
    assert webauthn.apple_apps() == [
        "ABCDE12345.fr.mutuelle.monespacesante",
        "ZYXWV98765.fr.mutuelle.b",
    ]
    assert webauthn.android_fingerprints() == {"fr.mutuelle.monespacesante": [FINGERPRINT]}
    assert webauthn.origins(settings.server.issuer) == [
        "https://connexion.mutuelle.example",
        APK_KEY_HASH,
        "https://mutuelle.example",
    ]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "example.org"}, "IDP_WEBAUTHN_RP_ID"),
        ({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "tuelle.example"}, "IDP_WEBAUTHN_RP_ID"),
        ({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "example"}, "IDP_WEBAUTHN_RP_ID"),
        ({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "www.connexion.mutuelle.example"},
         "IDP_WEBAUTHN_RP_ID"),
        ({**MUTUELLE, "IDP_WEBAUTHN_RP_ID": "https://mutuelle.example"}, "IDP_WEBAUTHN_RP_ID"),
        ({"IDP_WEBAUTHN_RP_ID": "0.0.1"}, "IDP_WEBAUTHN_RP_ID"),
        ({"IDP_WEBAUTHN_CHALLENGE_TTL": "5"}, "IDP_WEBAUTHN_CHALLENGE_TTL"),
        ({"IDP_WEBAUTHN_CHALLENGE_TTL": "3600"}, "IDP_WEBAUTHN_CHALLENGE_TTL"),
        ({"IDP_WEBAUTHN_CHALLENGE_TTL": "-1"}, "IDP_WEBAUTHN_CHALLENGE_TTL"),
        ({"IDP_WEBAUTHN_OFFER_SNOOZE_DAYS": "-1"}, "IDP_WEBAUTHN_OFFER_SNOOZE_DAYS"),
        ({"IDP_APPLE_APP_IDS": "fr.mutuelle.monespacesante"}, "IDP_APPLE_APP_IDS"),
        ({"IDP_APPLE_APP_IDS": "abcde12345.fr.mutuelle.app"}, "IDP_APPLE_APP_IDS"),
        ({"IDP_APPLE_APP_IDS": "ABCDE12345.fr..app"}, "IDP_APPLE_APP_IDS"),
        ({"IDP_ANDROID_APPS": "fr.mutuelle.monespacesante"}, "IDP_ANDROID_APPS"),
        ({"IDP_ANDROID_APPS": "fr.mutuelle.monespacesante=AB:CD"}, "IDP_ANDROID_APPS"),
        ({"IDP_ANDROID_APPS": f"fr.mutuelle.app={'AB' * 32}"}, "IDP_ANDROID_APPS"),
        ({"IDP_ANDROID_APPS": f"monespacesante={FINGERPRINT}"}, "IDP_ANDROID_APPS"),
        ({"IDP_ANDROID_APPS": f"fr.1mutuelle.app={FINGERPRINT}"}, "IDP_ANDROID_APPS"),
        ({"IDP_WEBAUTHN_EXTRA_ORIGINS": "javascript:alert(1)"}, "IDP_WEBAUTHN_EXTRA_ORIGINS"),
        ({**MUTUELLE, "IDP_WEBAUTHN_EXTRA_ORIGINS": "https://evil.example"},
         "IDP_WEBAUTHN_EXTRA_ORIGINS"),
        ({**MUTUELLE, "IDP_WEBAUTHN_EXTRA_ORIGINS": "https://app.connexion.mutuelle.example/"},
         "IDP_WEBAUTHN_EXTRA_ORIGINS"),
        ({**MUTUELLE, "IDP_WEBAUTHN_EXTRA_ORIGINS": "http://connexion.mutuelle.example"},
         "IDP_WEBAUTHN_EXTRA_ORIGINS"),
        ({**MUTUELLE, "IDP_WEBAUTHN_EXTRA_ORIGINS": "android:apk-key-hash:AB:CD"},
         "IDP_WEBAUTHN_EXTRA_ORIGINS"),
    ],
)  # fmt: skip
def test_bad_webauthn_values_are_refused_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert variable in str(raised.value)


def test_every_setting_is_declared_once_and_documented():
    """Each setting names its variable where it is declared; the README's configuration
    table lists every one of them."""
    from dataclasses import fields, is_dataclass

    from idp.config import ENV, ENV_VARS, PROJECT_ROOT, Settings

    defaults = Settings()
    declared = [f.metadata[ENV] for f in fields(Settings) if ENV in f.metadata]
    for section in fields(Settings):
        value = getattr(defaults, section.name)
        if is_dataclass(value):
            declared += [f.metadata[ENV] for f in fields(value) if ENV in f.metadata]
    assert len(declared) == len(set(declared)) == len(ENV_VARS)
    assert all(name.startswith("IDP_") for name in declared)
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index("## Configuration"), readme.index("## Integrating a relying party")
    assert [v for v in declared if f"`{v}`" not in readme[start:end]] == []

"""Typed settings, read once from ``IDP_*`` environment variables and validated at start.

Every default lives here, next to the setting it belongs to. A bad value stops the start with
a message naming the variable (:class:`ConfigError`). Nothing reads the environment at import
time: :func:`load_settings` is called by ``create_app`` and by ``idp check-config``.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from idp.errors import ConfigError
from idp.outbound.addresses import AllowList, parse_allow_list

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
ENV = "env"  # a field's metadata: the environment variable that sets it

_T = TypeVar("_T")


def setting(variable: str, default: _T) -> _T:
    """A setting read from ``variable`` (``IDP_*``), ``default`` when unset: each setting is
    declared once, with its type, default and variable together."""
    return field(default=default, metadata={ENV: variable})


PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerSettings:
    issuer: str = setting("IDP_ISSUER", "http://127.0.0.1:8000")
    env: str = setting("IDP_ENV", "development")
    secret_key: str = setting("IDP_SECRET_KEY", DEV_SECRET_KEY)
    # Number of reverse proxies in front of idp whose X-Forwarded-* headers are trusted.
    trusted_proxies: int = setting("IDP_TRUSTED_PROXIES", 0)
    # 0: one per core (production), one when Redis is embedded
    workers: int = setting("IDP_WORKERS", 0)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def https(self) -> bool:
        return self.issuer.startswith("https://")


@dataclass(frozen=True)
class StorageSettings:
    database_url: str = setting("IDP_DATABASE_URL", "")  # empty: SQLite file under instance/
    # empty: in-process Redis emulation, single process only
    redis_url: str = setting("IDP_REDIS_URL", "")

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url


@dataclass(frozen=True)
class KeySettings:
    # Key that encrypts signing keys at rest; derived from the secret key when empty.
    encryption_key: str = setting("IDP_KEYS_ENCRYPTION_KEY", "")
    signing_alg: str = setting("IDP_SIGNING_ALG", "RS256")


DAY = 24 * 3600
# The token lifetimes a client may set and the defaults may take, in seconds
# (docs/security.md, "Tokens"): short-lived access and ID tokens; a refresh token's idle
# lifetime and the absolute lifetime of its family (rotation never extends past it) at most
# 400 days.
LIFETIME_BOUNDS: dict[str, tuple[int, int]] = {
    "access_token_ttl": (30, DAY),
    "id_token_ttl": (30, DAY),
    "refresh_token_ttl": (60, 400 * DAY),
    "refresh_token_max_lifetime": (300, 400 * DAY),
}


@dataclass(frozen=True)
class TokenSettings:
    """Default lifetimes in seconds; a client in clients.yaml may set its own."""

    access_token_ttl: int = setting("IDP_ACCESS_TOKEN_TTL", 300)
    id_token_ttl: int = setting("IDP_ID_TOKEN_TTL", 300)
    # idle: each rotation, at most this long
    refresh_token_ttl: int = setting("IDP_REFRESH_TOKEN_TTL", 30 * 24 * 3600)
    # Absolute: a refresh-token family ends this long after the sign-in, however often used.
    refresh_token_max_lifetime: int = setting("IDP_REFRESH_TOKEN_MAX_LIFETIME", 90 * 24 * 3600)
    authorization_code_ttl: int = setting("IDP_AUTHORIZATION_CODE_TTL", 60)


@dataclass(frozen=True)
class SessionSettings:
    """SSO session and pending sign-in (interaction) lifetimes, in seconds."""

    idle_ttl: int = setting("IDP_SESSION_IDLE_TTL", 30 * 60)
    absolute_ttl: int = setting("IDP_SESSION_ABSOLUTE_TTL", 12 * 3600)
    interaction_ttl: int = setting("IDP_INTERACTION_TTL", 15 * 60)
    # The account page's changes that affect sign-in (removing a passkey, ending sessions)
    # need a password proved this recently (docs/sessions.md, "Re-authentication").
    reauth_max_age: int = setting("IDP_REAUTH_MAX_AGE", 5 * 60)


@dataclass(frozen=True)
class PasswordHashSettings:
    """argon2id at the OWASP profile (m=19 MiB, t=2, p=1): docs/security.md."""

    memory_kib: int = setting("IDP_ARGON2_MEMORY_KIB", 19 * 1024)
    time_cost: int = setting("IDP_ARGON2_TIME_COST", 2)
    parallelism: int = setting("IDP_ARGON2_PARALLELISM", 1)
    # How many hashes may run at once in one process; 0 means one per core.
    concurrency: int = setting("IDP_HASH_CONCURRENCY", 0)


PASSWORD_PROFILES = {
    # name: (min_length, max_length, min_classes)
    "mutual": (12, 30, 3),  # the help page: 12 to 30 characters, 3 of the 4 classes
    "nist": (8, 64, 0),  # NIST SP 800-63B: at least 8, at least 64 accepted, no class rule
}


@dataclass(frozen=True)
class PasswordPolicySettings:
    """The password rules. A length or class value of 0 takes the profile's."""

    profile: str = setting("IDP_PASSWORD_POLICY", "mutual")  # mutual | nist
    min_length: int = setting("IDP_PASSWORD_MIN_LENGTH", 0)
    max_length: int = setting("IDP_PASSWORD_MAX_LENGTH", 0)
    min_classes: int = setting("IDP_PASSWORD_MIN_CLASSES", -1)  # of upper, lower, digit, special
    history: int = setting("IDP_PASSWORD_HISTORY", 5)  # previous passwords that may not be reused

    def effective(self) -> PasswordPolicySettings:
        low, high, classes = PASSWORD_PROFILES[self.profile]
        return replace(
            self,
            min_length=self.min_length or low,
            max_length=self.max_length or high,
            min_classes=classes if self.min_classes < 0 else self.min_classes,
        )


@dataclass(frozen=True)
class LockoutSettings:
    """Failed sign-in steps (password, one-time code) counted together per account."""

    max_failures: int = setting("IDP_LOCKOUT_MAX_FAILURES", 5)
    window: int = setting("IDP_LOCKOUT_WINDOW", 3600)  # failures older than this are forgotten
    duration: int = setting("IDP_LOCKOUT_DURATION", 24 * 3600)  # then the account unlocks by itself


@dataclass(frozen=True)
class SecondFactorSettings:
    """The one-time code and the remembered devices of ``new_device`` clients."""

    code_ttl: int = setting("IDP_OTP_TTL", 300)  # never over 600
    # wrong codes before a new one must be sent
    max_attempts: int = setting("IDP_OTP_MAX_ATTEMPTS", 3)
    resend_cooldown: int = setting("IDP_OTP_RESEND_COOLDOWN", 30)
    remember_device_days: int = setting("IDP_REMEMBER_DEVICE_DAYS", 30)


@dataclass(frozen=True)
class WebAuthnSettings:
    """Biometric sign-in with passkeys and the native apps allowed to use them."""

    # Empty: the issuer's host. May be a parent domain of it (``example.fr`` for
    # ``connexion.example.fr``) so that passkeys also work on sibling hosts.
    rp_id: str = setting("IDP_WEBAUTHN_RP_ID", "")
    # Comma-separated origins accepted besides the issuer's: ``https://…`` under the RP ID,
    # ``android:apk-key-hash:<base64url SHA-256>`` of an Android app calling the passkey APIs.
    extra_origins: str = setting("IDP_WEBAUTHN_EXTRA_ORIGINS", "")
    # seconds a registration or sign-in ceremony may take
    challenge_ttl: int = setting("IDP_WEBAUTHN_CHALLENGE_TTL", 120)
    # after "not now", the offer waits this long
    offer_snooze_days: int = setting("IDP_WEBAUTHN_OFFER_SNOOZE_DAYS", 30)
    # ``/.well-known/apple-app-site-association``: comma-separated ``TEAMID.bundle.id``.
    apple_app_ids: str = setting("IDP_APPLE_APP_IDS", "")
    # ``/.well-known/assetlinks.json``: comma-separated ``package=FINGERPRINT`` entries, the
    # fingerprint being the signing certificate's SHA-256 as 32 hexadecimal pairs joined by
    # ``:``; several fingerprints of one package are joined with ``|``.
    android_apps: str = setting("IDP_ANDROID_APPS", "")

    def effective_rp_id(self, issuer: str) -> str:
        return self.rp_id or (urlsplit(issuer).hostname or "")

    def available(self, issuer: str) -> bool:
        """Browsers refuse an IP address as RP ID: passkeys need a host name."""
        for host in (self.effective_rp_id(issuer), urlsplit(issuer).hostname or ""):
            if not host or _is_ip(host):
                return False
        return True

    def origins(self, issuer: str) -> list[str]:
        """The issuer's origin as a browser writes it (no default port), then the extra ones."""
        extra = [o.strip() for o in self.extra_origins.split(",") if o.strip()]
        return [web_origin(issuer), *extra]

    def apple_apps(self) -> list[str]:
        return [a.strip() for a in self.apple_app_ids.split(",") if a.strip()]

    def android_fingerprints(self) -> dict[str, list[str]]:
        """Package name → its signing-certificate SHA-256 fingerprints (upper case, in order,
        a package named twice keeping the fingerprints of both entries)."""
        found: dict[str, list[str]] = {}
        for entry in (e.strip() for e in self.android_apps.split(",")):
            if entry:
                package, _, prints = entry.partition("=")
                known = found.setdefault(package.strip(), [])
                for fingerprint in (p.strip().upper() for p in prints.split("|")):
                    if fingerprint and fingerprint not in known:
                        known.append(fingerprint)
        return found


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def web_origin(url: str) -> str:
    """``scheme://host[:port]`` as the browser serialises it: lower case, default port
    omitted, IPv6 in brackets (the ``origin`` of WebAuthn's client data)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


@dataclass(frozen=True)
class AdminSettings:
    """Administration: client secrets, dynamic registration, the audit log, staff sessions."""

    # After a secret rotation the previous secret keeps working this long (seconds).
    client_secret_grace: int = setting("IDP_CLIENT_SECRET_GRACE", 7 * 86400)
    # Dynamic client registration (RFC 7591/7592) is on only when this initial access token is
    # set (at least 32 characters); registered clients are confidential web clients.
    registration_token: str = setting("IDP_REGISTRATION_INITIAL_TOKEN", "")
    # older audit events are purged
    audit_retention_days: int = setting("IDP_AUDIT_RETENTION_DAYS", 400)
    staff_session_idle: int = setting("IDP_STAFF_SESSION_IDLE_TTL", 30 * 60)
    staff_session_absolute: int = setting("IDP_STAFF_SESSION_ABSOLUTE_TTL", 8 * 3600)

    @property
    def registration_enabled(self) -> bool:
        return bool(self.registration_token)


@dataclass(frozen=True)
class ThrottleSettings:
    """Password attempts allowed per 5 minutes, from one IP address and on one identifier."""

    password_per_ip: int = setting("IDP_PASSWORD_ATTEMPTS_PER_IP", 60)
    password_per_identifier: int = setting("IDP_PASSWORD_ATTEMPTS_PER_IDENTIFIER", 10)


@dataclass(frozen=True)
class AccountSettings:
    activation_link_ttl: int = setting("IDP_ACTIVATION_LINK_TTL", 24 * 3600)
    reset_link_ttl: int = setting("IDP_RESET_LINK_TTL", 24 * 3600)
    # A MaxMind-format database (.mmdb) placing the IP addresses of the account page's recent
    # activity; empty: the page shows the addresses.
    geoip_database: str = setting("IDP_GEOIP_DATABASE", "")


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str = setting("IDP_SMTP_URL", "")
    mail_from: str = setting("IDP_MAIL_FROM", "Espace adhérent <no-reply@idp.localhost>")
    smtp_timeout: int = setting("IDP_SMTP_TIMEOUT", 10)
    # The durable outbox (activation and reset links, notices; codes are sent at once).
    # Sending threads per process; 0: this process only queues (another one must send).
    outbox_workers: int = setting("IDP_OUTBOX_WORKERS", 1)
    # Seconds between two looks at the outbox when nothing woke the threads up.
    outbox_poll_interval: int = setting("IDP_OUTBOX_POLL_INTERVAL", 5)
    # Attempts per e-mail before it is given up (``failed``, audited ``email.failed``).
    outbox_max_attempts: int = setting("IDP_OUTBOX_MAX_ATTEMPTS", 10)
    # Seconds before the first retry; each later retry waits twice as long, at most
    # ``outbox_retry_max_delay``.
    outbox_retry_delay: int = setting("IDP_OUTBOX_RETRY_DELAY", 30)
    outbox_retry_max_delay: int = setting("IDP_OUTBOX_RETRY_MAX_DELAY", 3600)
    # Seconds after which an e-mail still not sent is given up whatever its attempts (its
    # link would have expired by then).
    outbox_max_age: int = setting("IDP_OUTBOX_MAX_AGE", 24 * 3600)


@dataclass(frozen=True)
class SmsSettings:
    webhook_url: str = setting("IDP_SMS_WEBHOOK_URL", "")
    webhook_token: str = setting("IDP_SMS_WEBHOOK_TOKEN", "")
    # seconds, per connection attempt and per read
    timeout: int = setting("IDP_SMS_WEBHOOK_TIMEOUT", 5)


@dataclass(frozen=True)
class BrandSettings:
    name: str = setting("IDP_BRAND_NAME", "Mon espace adhérent")
    color: str = setting("IDP_BRAND_COLOR", "#0b5cab")
    logo_url: str = setting("IDP_BRAND_LOGO_URL", "")
    support_phone: str = setting("IDP_SUPPORT_PHONE", "04 72 27 72 72")
    support_hours: str = setting(
        "IDP_SUPPORT_HOURS", "du lundi au jeudi de 8 h 30 à 18 h et le vendredi de 8 h 30 à 17 h"
    )
    support_hours_en: str = setting(
        "IDP_SUPPORT_HOURS_EN", "Monday to Thursday 8:30 am to 6 pm, Friday 8:30 am to 5 pm"
    )
    # Where members go to sign in (the main portal), linked after activation and reset.
    portal_url: str = setting("IDP_PORTAL_URL", "")
    timezone: str = setting("IDP_TIMEZONE", "Europe/Paris")  # times shown to members (lock end)


@dataclass(frozen=True)
class LogoutSettings:
    """RP-initiated logout and back-channel logout delivery (OIDC Back-Channel Logout 1.0)."""

    # Seconds a relying party has to answer one logout token (connect and read).
    backchannel_timeout: int = setting("IDP_BACKCHANNEL_TIMEOUT", 5)
    # Deliveries tried per relying party and logout before it is given up (and audited).
    backchannel_max_attempts: int = setting("IDP_BACKCHANNEL_MAX_ATTEMPTS", 5)
    # Seconds before the first retry; each later retry waits twice as long (at most an hour).
    backchannel_retry_delay: int = setting("IDP_BACKCHANNEL_RETRY_DELAY", 10)
    # Delivery threads per process; 0: this process only queues (another one must deliver).
    backchannel_workers: int = setting("IDP_BACKCHANNEL_WORKERS", 1)
    # Seconds between two looks at the shared queue when nothing woke the threads up.
    backchannel_poll_interval: int = setting("IDP_BACKCHANNEL_POLL_INTERVAL", 2)
    # Seconds the "do you want to sign out?" page stays valid.
    confirm_ttl: int = setting("IDP_LOGOUT_CONFIRM_TTL", 600)


@dataclass(frozen=True)
class OutboundSettings:
    """Requests idp makes to URLs relying parties give (docs/security.md, "Outbound
    requests")."""

    # Host names and CIDR networks (comma- or space-separated) that outbound requests may reach
    # although they are private: the group's own portals. Everything else must be global.
    allow: str = setting("IDP_OUTBOUND_ALLOW", "")

    def allow_list(self) -> AllowList:
        return parse_allow_list(self.allow)


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    keys: KeySettings = field(default_factory=KeySettings)
    tokens: TokenSettings = field(default_factory=TokenSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    password_hash: PasswordHashSettings = field(default_factory=PasswordHashSettings)
    password_policy: PasswordPolicySettings = field(default_factory=PasswordPolicySettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    lockout: LockoutSettings = field(default_factory=LockoutSettings)
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    second_factor: SecondFactorSettings = field(default_factory=SecondFactorSettings)
    webauthn: WebAuthnSettings = field(default_factory=WebAuthnSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    brand: BrandSettings = field(default_factory=BrandSettings)
    logout: LogoutSettings = field(default_factory=LogoutSettings)
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    clients_file: str = setting("IDP_CLIENTS_FILE", "clients.yaml")
    instance_path: str = setting("IDP_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))

    @property
    def database_url(self) -> str:
        return self.storage.database_url or f"sqlite:///{self.instance_path}/idp.sqlite3"

    def warnings(self) -> list[str]:
        """Loud notes for development-only defaults, printed at start."""
        notes = []
        if self.storage.embedded_redis:
            notes.append(
                "IDP_REDIS_URL is not set: using in-process Redis emulation. This mode is "
                "single-process only (one worker); set IDP_REDIS_URL to run several."
            )
        if self.storage.embedded_database:
            notes.append(f"IDP_DATABASE_URL is not set: using SQLite at {self.database_url}.")
        if not self.webauthn.available(self.server.issuer):
            notes.append(
                "IDP_ISSUER's host is an IP address: browsers refuse passkeys there, so biometric "
                "sign-in is off. Use http://localhost:8000 to try it."
            )
        if self.server.secret_key == DEV_SECRET_KEY:
            notes.append("IDP_SECRET_KEY is not set: using the development secret.")
        return notes


def _env_vars() -> dict[str, tuple[str, str]]:
    """Environment variable → (section, field), from the fields' ``env(...)`` declarations;
    the section "" is the top level."""
    found: dict[str, tuple[str, str]] = {}
    defaults = Settings()
    for outer in fields(Settings):
        value = getattr(defaults, outer.name)
        inner = fields(value) if is_dataclass(value) else ()
        for item in inner:
            if ENV in item.metadata:
                found[item.metadata[ENV]] = (outer.name, item.name)
        if ENV in outer.metadata:
            found[outer.metadata[ENV]] = ("", outer.name)
    return found


ENV_VARS = _env_vars()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``IDP_*`` variables and validate them."""
    env = os.environ if environ is None else environ
    sections: dict[str, dict[str, object]] = {}
    top: dict[str, object] = {}
    base = Settings()
    for var, (section, name) in ENV_VARS.items():
        raw = env.get(var)
        if raw is None or raw == "":
            continue
        target = getattr(base, section) if section else base
        expected = type(getattr(target, name))
        value: object = raw.strip()
        if expected is int:
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{var} must be a whole number, got {raw!r}.") from None
        (sections.setdefault(section, {}) if section else top)[name] = value
    changes: dict[str, object] = dict(top)
    for section, values in sections.items():
        changes[section] = replace(getattr(base, section), **values)
    settings = replace(base, **changes)  # type: ignore[arg-type]
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Reject settings that cannot work, naming the variable to fix."""
    server = settings.server
    if server.env not in ("development", "production"):
        raise ConfigError(f"IDP_ENV must be 'development' or 'production', got {server.env!r}.")
    parts = urlsplit(server.issuer)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"IDP_ISSUER must be an http(s) URL, got {server.issuer!r}.")
    if parts.query or parts.fragment or server.issuer.endswith("/"):
        raise ConfigError("IDP_ISSUER must have no query, fragment or trailing slash.")
    if settings.keys.signing_alg not in ("RS256", "ES256"):
        raise ConfigError("IDP_SIGNING_ALG must be RS256 or ES256.")
    if settings.password_policy.profile not in PASSWORD_PROFILES:
        raise ConfigError("IDP_PASSWORD_POLICY must be 'mutual' or 'nist'.")
    policy = settings.password_policy.effective()
    if not 1 <= policy.min_length <= policy.max_length <= 1024:
        raise ConfigError(
            "IDP_PASSWORD_MIN_LENGTH must be at least 1 and ≤ IDP_PASSWORD_MAX_LENGTH."
        )
    if not 0 <= policy.min_classes <= 4:
        raise ConfigError("IDP_PASSWORD_MIN_CLASSES must be between 0 and 4.")
    if not 60 <= settings.second_factor.code_ttl <= 600:
        raise ConfigError("IDP_OTP_TTL must be between 60 and 600 seconds.")
    if settings.second_factor.max_attempts < 1:
        raise ConfigError("IDP_OTP_MAX_ATTEMPTS must be at least 1.")
    if settings.lockout.max_failures < 1:
        raise ConfigError("IDP_LOCKOUT_MAX_FAILURES must be at least 1.")
    for section in (settings.tokens, settings.session, settings.password_hash, policy,
                    settings.accounts, settings.mail, settings.lockout,
                    settings.throttle, settings.second_factor, settings.webauthn,
                    settings.admin):  # fmt: skip
        for f in fields(section):
            value = getattr(section, f.name)
            if isinstance(value, int) and value < 0:
                raise ConfigError(f"{_var_for(f.name)} must not be negative.")
    for name, (low, high) in LIFETIME_BOUNDS.items():
        if not low <= getattr(settings.tokens, name) <= high:
            raise ConfigError(f"{_var_for(name)} must be from {low} to {high} seconds.")
    if not 1 <= settings.tokens.authorization_code_ttl <= 600:
        raise ConfigError("IDP_AUTHORIZATION_CODE_TTL must be between 1 and 600 seconds.")
    for url_var, url in (
        ("IDP_DATABASE_URL", settings.storage.database_url),
        ("IDP_REDIS_URL", settings.storage.redis_url),
    ):
        if url and "://" not in url:
            raise ConfigError(f"{url_var} must be a URL, got {url!r}.")
    if settings.storage.redis_url and not settings.storage.redis_url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise ConfigError("IDP_REDIS_URL must start with redis://, rediss:// or unix://.")
    if settings.mail.smtp_url and not settings.mail.smtp_url.startswith(("smtp://", "smtps://")):
        raise ConfigError("IDP_SMTP_URL must start with smtp:// or smtps://.")
    sms = settings.sms.webhook_url
    if sms and (urlsplit(sms).scheme not in ("http", "https") or not urlsplit(sms).hostname):
        raise ConfigError("IDP_SMS_WEBHOOK_URL must be an http(s) URL.")
    _validate_webauthn(settings)
    admin = settings.admin
    if admin.registration_token and len(admin.registration_token) < 32:
        raise ConfigError("IDP_REGISTRATION_INITIAL_TOKEN must be at least 32 characters.")
    if admin.audit_retention_days < 1:
        raise ConfigError("IDP_AUDIT_RETENTION_DAYS must be at least 1.")
    _validate_logout(settings.logout)
    _validate_mail(settings.mail)
    _validate_geoip(settings.accounts.geoip_database)
    try:
        settings.outbound.allow_list()
    except ValueError as error:
        raise ConfigError(f"IDP_OUTBOUND_ALLOW: {error}.") from None
    if server.production:
        _validate_production(settings)


ANDROID_FINGERPRINT = re.compile(r"(?:[0-9A-F]{2}:){31}[0-9A-F]{2}")
ANDROID_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
# Android's origin for an app: base64url (no padding) of its signing certificate's SHA-256.
ANDROID_ORIGIN = re.compile(r"android:apk-key-hash:[A-Za-z0-9_-]{43}")
APPLE_APP_ID = re.compile(r"[A-Z0-9]{10}\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def _validate_webauthn(settings: Settings) -> None:
    webauthn = settings.webauthn
    try:
        web_origin(settings.server.issuer)
    except ValueError:
        raise ConfigError(f"IDP_ISSUER has an invalid port: {settings.server.issuer!r}.") from None
    host = urlsplit(settings.server.issuer).hostname or ""
    rp_id = webauthn.effective_rp_id(settings.server.issuer)
    if rp_id != host and (_is_ip(host) or "." not in rp_id or not host.endswith("." + rp_id)):
        # A parent of an IP address means nothing, and a single label is a top-level domain
        # (browsers refuse any public suffix).
        raise ConfigError(
            f"IDP_WEBAUTHN_RP_ID must be the issuer's host {host!r} or a parent domain of it, "
            f"got {rp_id!r}."
        )
    if not 10 <= webauthn.challenge_ttl <= 600:
        raise ConfigError("IDP_WEBAUTHN_CHALLENGE_TTL must be between 10 and 600 seconds.")
    for origin in webauthn.origins(settings.server.issuer)[1:]:
        if not (ANDROID_ORIGIN.fullmatch(origin) or _web_origin_under(origin, rp_id, settings)):
            raise ConfigError(
                "IDP_WEBAUTHN_EXTRA_ORIGINS takes android:apk-key-hash:<base64url SHA-256> "
                f"origins and https://host[:port] origins on the RP ID {rp_id!r} or one of its "
                f"subdomains, got {origin!r}."
            )
    for app in webauthn.apple_apps():
        if not APPLE_APP_ID.fullmatch(app):
            raise ConfigError(f"IDP_APPLE_APP_IDS takes TEAMID.bundle.id values, got {app!r}.")
    for package, prints in webauthn.android_fingerprints().items():
        if not ANDROID_PACKAGE.fullmatch(package) or not prints:
            raise ConfigError(
                f"IDP_ANDROID_APPS takes package=SHA256 fingerprint entries, got {package!r}."
            )
        for fingerprint in prints:
            if not ANDROID_FINGERPRINT.fullmatch(fingerprint):
                raise ConfigError(
                    "IDP_ANDROID_APPS fingerprints are 32 hexadecimal pairs joined by ':', "
                    f"got {fingerprint!r}."
                )


LOGOUT_RANGES = {
    # field: (lowest, highest)
    "backchannel_timeout": (1, 30),
    "backchannel_max_attempts": (1, 20),
    "backchannel_retry_delay": (1, 3600),
    "backchannel_workers": (0, 16),
    "backchannel_poll_interval": (1, 60),
    "confirm_ttl": (60, 3600),
}


def _validate_logout(logout: LogoutSettings) -> None:
    for name, (low, high) in LOGOUT_RANGES.items():
        if not low <= getattr(logout, name) <= high:
            raise ConfigError(f"{_var_for(name)} must be between {low} and {high}.")


MAIL_RANGES = {
    # field: (lowest, highest)
    "outbox_workers": (0, 16),
    "outbox_poll_interval": (1, 60),
    "outbox_max_attempts": (1, 50),
    "outbox_retry_delay": (1, 3600),
    "outbox_retry_max_delay": (1, 24 * 3600),
    "outbox_max_age": (60, 7 * 24 * 3600),
}


def _validate_mail(mail: MailSettings) -> None:
    for name, (low, high) in MAIL_RANGES.items():
        if not low <= getattr(mail, name) <= high:
            raise ConfigError(f"{_var_for(name)} must be between {low} and {high}.")
    if mail.outbox_retry_max_delay < mail.outbox_retry_delay:
        raise ConfigError("IDP_OUTBOX_RETRY_MAX_DELAY must not be below IDP_OUTBOX_RETRY_DELAY.")


def _web_origin_under(origin: str, rp_id: str, settings: Settings) -> bool:
    """An origin a browser (or iOS, which uses ``https://<RP ID>``) may present for this RP ID:
    exactly ``scheme://host[:port]``, https (http only for ``localhost`` in development)."""
    try:
        if web_origin(origin) != origin:
            return False
    except ValueError:
        return False
    parts = urlsplit(origin)
    host = parts.hostname or ""
    local = host == "localhost" or host.endswith(".localhost")
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and local and not settings.server.production
    )
    return secure and (host == rp_id or host.endswith("." + rp_id))


def _validate_geoip(path: str) -> None:
    if not path:
        return
    if not Path(path).is_file():
        raise ConfigError(f"IDP_GEOIP_DATABASE: no file at {path!r}.")
    if importlib.util.find_spec("maxminddb") is None:
        raise ConfigError("IDP_GEOIP_DATABASE needs the maxminddb package (pip install maxminddb).")


def _validate_production(settings: Settings) -> None:
    server = settings.server
    if settings.storage.embedded_redis:
        raise ConfigError("IDP_ENV=production needs IDP_REDIS_URL: embedded Redis is dev-only.")
    if settings.storage.embedded_database:
        raise ConfigError("IDP_ENV=production needs IDP_DATABASE_URL (PostgreSQL).")
    if server.secret_key == DEV_SECRET_KEY or len(server.secret_key) < 32:
        raise ConfigError(
            "IDP_ENV=production needs IDP_SECRET_KEY: a random value of at least 32 characters."
        )
    if not server.https:
        raise ConfigError("IDP_ENV=production needs an https:// IDP_ISSUER.")


def _var_for(name: str) -> str:
    for var, (_, field_name) in ENV_VARS.items():
        if field_name == name:
            return var
    return name

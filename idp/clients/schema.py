"""The clients.yaml schema: parse, validate, and report errors by line and field.

Secrets are references only: ``secret_env`` names an environment variable, ``secret_hash`` is
an argon2 hash. A plaintext ``secret`` key is refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from idp.config import LIFETIME_BOUNDS, Settings
from idp.errors import ConfigError
from idp.text import find_control_characters, has_control_characters, top_field

KNOWN_SCOPES = ("openid", "profile", "email", "phone", "member", "offline_access")
SERVICE_SCOPE = re.compile(r"^idp:[a-z_]+$")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
CONTRACTS = ("health", "provident")
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MIN_SECRET_LENGTH = 32
MAX_NAME_LENGTH = 200
SECRET_FIELDS = ("secret", "secret_env", "secret_hash")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
FIELDS = {
    "client_id", "name", "type", "secret_env", "secret_hash", "redirect_uris",
    "post_logout_redirect_uris", "backchannel_logout_uri", "scopes", "grant_types",
    "require_pkce", "second_factor", "webauthn", "access", "consent",
    "access_token_ttl", "id_token_ttl", "refresh_token_ttl", "refresh_token_max_lifetime",
    "client_uri",
}  # fmt: skip


@dataclass(frozen=True)
class AccessRule:
    requires_contract: str
    message: str = ""
    suggest_client: str = ""


@dataclass(frozen=True)
class ClientSpec:
    """One validated client, as the registry stores it."""

    client_id: str
    name: str
    type: str
    secret_env: str = ""
    secret_hash: str = ""
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str = ""
    scopes: tuple[str, ...] = ("openid",)
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    require_pkce: bool = True
    second_factor: str = "always"
    webauthn: str = "never"
    access: AccessRule | None = None
    consent: str = "implicit"
    access_token_ttl: int | None = None
    id_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    refresh_token_max_lifetime: int | None = None
    # The service's home page (RFC 7591 ``client_uri``): where members are sent to use it.
    client_uri: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_stored(
        cls, client_id: str, name: str, client_type: str, settings: dict[str, Any] | None
    ) -> ClientSpec:
        """The client as the registry stored it (validated when it was written), read once
        when the registry loads it; a field missing from an older row takes its default."""
        stored = settings or {}
        access = stored.get("access")
        values = {
            "redirect_uris": tuple(stored.get("redirect_uris") or ()),
            "post_logout_redirect_uris": tuple(stored.get("post_logout_redirect_uris") or ()),
            "backchannel_logout_uri": str(stored.get("backchannel_logout_uri") or ""),
            "scopes": tuple(stored.get("scopes") or ()),
            "grant_types": tuple(stored.get("grant_types") or ()),
            "require_pkce": bool(stored.get("require_pkce", True)),
            "second_factor": str(stored.get("second_factor") or "always"),
            "webauthn": str(stored.get("webauthn") or "never"),
            "access": AccessRule(**access) if isinstance(access, dict) and access else None,
            "consent": str(stored.get("consent") or "implicit"),
            "client_uri": str(stored.get("client_uri") or ""),
        }
        for ttl in ("access_token_ttl", "id_token_ttl", "refresh_token_ttl",
                    "refresh_token_max_lifetime"):  # fmt: skip
            values[ttl] = int(stored[ttl]) if stored.get(ttl) else None
        return cls(client_id=client_id, name=name, type=client_type, **values)  # type: ignore[arg-type]

    def settings_json(self) -> dict[str, Any]:
        """The policy fields kept in ``clients.settings``."""
        return {
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "scopes": list(self.scopes),
            "grant_types": list(self.grant_types),
            "require_pkce": self.require_pkce,
            "second_factor": self.second_factor,
            "webauthn": self.webauthn,
            "access": None if self.access is None else vars(self.access),
            "consent": self.consent,
            "access_token_ttl": self.access_token_ttl,
            "id_token_ttl": self.id_token_ttl,
            "refresh_token_ttl": self.refresh_token_ttl,
            "refresh_token_max_lifetime": self.refresh_token_max_lifetime,
            "client_uri": self.client_uri,
        }


class ClientFieldError(ConfigError):
    """One field of a client is wrong: ``field_name`` and ``reason`` for callers that answer
    per field (the admin API, dynamic registration); the text is the whole message."""

    def __init__(self, text: str, field_name: str, reason: str) -> None:
        super().__init__(text)
        self.field_name, self.reason = field_name, reason


class _Where:
    """Names the file, line, client and field in every message; for a client given as data
    (no file), the field alone."""

    def __init__(self, path: Path | None, node: yaml.Node | None, client_id: str = "") -> None:
        self.path, self.node, self.client_id = path, node, client_id

    def fail(self, field_name: str, reason: str, node: yaml.Node | None = None) -> ClientFieldError:
        where = node or self.node
        if self.path is None or where is None:
            return ClientFieldError(f"field {field_name!r}: {reason}", field_name, reason)
        line = where.start_mark.line + 1
        who = f"client {self.client_id!r}" if self.client_id else "client"
        text = f"{self.path}:{line}: {who}, field {field_name!r}: {reason}"
        return ClientFieldError(text, field_name, reason)


def load_clients_file(path: Path, settings: Settings) -> list[ClientSpec]:
    """Read and validate the whole file; the first problem raises :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the clients file ({error.strerror}).") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        root = _mapping(root).get("clients", root)
    if not isinstance(root, yaml.SequenceNode):
        raise ConfigError(f"{path}:1: expected a list of clients (or a 'clients:' list).")
    specs: list[ClientSpec] = []
    seen: dict[str, int] = {}
    for node in root.value:
        spec = parse_client(path, node, settings)
        if spec.client_id in seen:
            raise _Where(path, node, spec.client_id).fail(
                "client_id", f"duplicate of the client on line {seen[spec.client_id]}"
            )
        seen[spec.client_id] = node.start_mark.line + 1
        specs.append(spec)
    names = set(seen)
    for spec in specs:
        if spec.access and spec.access.suggest_client and spec.access.suggest_client not in names:
            raise ConfigError(
                f"{path}: client {spec.client_id!r}, field 'access.suggest_client': "
                f"no client {spec.access.suggest_client!r} in the file."
            )
    return specs


def parse_client(path: Path, node: yaml.Node, settings: Settings) -> ClientSpec:
    where = _Where(path, node)
    if not isinstance(node, yaml.MappingNode):
        raise where.fail("-", "each client must be a mapping of fields")
    nodes = _mapping(node)
    raw = {k: yaml.safe_load(yaml.serialize(v)) for k, v in nodes.items()}

    def at(name: str) -> yaml.Node:
        return nodes.get(name, node)

    return _parse(where, raw, at, settings, secret_by_reference=True)


def parse_client_data(raw: dict[str, Any], settings: Settings) -> ClientSpec:
    """Validate one client given as data (admin API, dynamic registration) by the rules of
    the file. Its secret is generated by the provider, so secret fields are refused.
    Raises :class:`ClientFieldError` naming the field."""
    return _parse(_Where(None, None), raw, lambda name: None, settings, secret_by_reference=False)


def _parse(
    where: _Where, raw: dict[str, Any], at, settings: Settings, *, secret_by_reference: bool
) -> ClientSpec:
    """One client from its raw fields: each group of fields read and checked by a method of
    :class:`_Reader`, the first problem raised with its file, line, client and field."""
    client_id = raw.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise where.fail("client_id", "required; letters, digits, '.', '_' or '-' (≤ 100)")
    reader = _Reader(_Where(where.path, where.node, client_id), raw, at)
    reader.known_fields(secret_by_reference)
    reader.plain_text()
    name, ctype = reader.name(), reader.client_type()
    grant_types = reader.grant_types(ctype)
    secret_env, secret_hash = (
        _secret(reader.where, raw, at, ctype, settings) if secret_by_reference else ("", "")
    )
    redirect_uris = reader.redirect_uris(ctype, grant_types)
    logout_uris = reader.uris("post_logout_redirect_uris", ctype)
    backchannel, client_uri = reader.url("backchannel_logout_uri"), reader.url("client_uri")
    scopes, require_pkce, lifetimes = (
        reader.scopes(),
        reader.require_pkce(ctype),
        reader.lifetimes(),
    )
    return ClientSpec(
        client_id=client_id,
        name=name,
        type=ctype,
        secret_env=secret_env,
        secret_hash=secret_hash,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=logout_uris,
        backchannel_logout_uri=backchannel,
        scopes=scopes,
        grant_types=grant_types,
        require_pkce=require_pkce,
        second_factor=reader.choice("second_factor", ("always", "new_device")),
        webauthn=reader.choice("webauthn", ("never", "offer")),
        access=_access(reader.where, raw.get("access"), at("access")),
        consent=reader.choice("consent", ("implicit", "explicit")),
        client_uri=client_uri,
        **lifetimes,
    )


@dataclass(frozen=True)
class _Reader:
    """The raw fields of one client, read a group at a time."""

    where: _Where
    raw: dict[str, Any]
    at: Any  # field name → its YAML node (None for a client given as data)

    def known_fields(self, secret_by_reference: bool) -> None:
        for key in self.raw:
            if key == "secret" and secret_by_reference:
                raise self.where.fail(
                    key,
                    "plaintext secrets are refused; use secret_env or secret_hash",
                    self.at(key),
                )
            if key in SECRET_FIELDS and not secret_by_reference:
                raise self.where.fail(key, "the provider generates the secret; do not send one")
            if key not in FIELDS:
                raise self.where.fail(key, "unknown field", self.at(key))

    def plain_text(self) -> None:
        """No control character in any field (idp/text.py); a line feed only in free text
        (``access.message``), since names and URLs are one line each."""
        found = find_control_characters(self.raw, lines=True)
        name = self.raw.get("name")
        if found is None and isinstance(name, str) and has_control_characters(name):
            found = "name"
        if found is not None:
            field_name = top_field(found) or "-"
            raise self.where.fail(
                field_name,
                f"{found or 'a key'}: control characters are not allowed",
                self.at(field_name),
            )

    def name(self) -> str:
        name = self.raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.where.fail("name", "required text", self.at("name"))
        if len(name.strip()) > MAX_NAME_LENGTH:
            raise self.where.fail("name", f"at most {MAX_NAME_LENGTH} characters", self.at("name"))
        return name.strip()

    def client_type(self) -> str:
        ctype = self.raw.get("type")
        if ctype not in ("confidential", "public"):
            raise self.where.fail("type", "must be 'confidential' or 'public'", self.at("type"))
        return str(ctype)

    def grant_types(self, ctype: str) -> tuple[str, ...]:
        node = self.at("grant_types")
        grant_types = self.texts("grant_types", ["authorization_code", "refresh_token"])
        for grant in grant_types:
            if grant not in GRANT_TYPES:
                raise self.where.fail("grant_types", f"unknown grant type {grant!r}", node)
        if ctype == "public" and "client_credentials" in grant_types:
            raise self.where.fail(
                "grant_types", "a public client cannot use client_credentials", node
            )
        return grant_types

    def redirect_uris(self, ctype: str, grant_types: tuple[str, ...]) -> tuple[str, ...]:
        uris = self.uris("redirect_uris", ctype)
        if "authorization_code" in grant_types and not uris:
            raise self.where.fail(
                "redirect_uris",
                "at least one is required for authorization_code",
                self.at("redirect_uris"),
            )
        return uris

    def uris(self, name: str, ctype: str) -> tuple[str, ...]:
        uris = self.texts(name, [])
        for uri in uris:
            _check_uri(self.where, name, uri, ctype, self.at(name))
        return uris

    def url(self, name: str) -> str:
        """An optional URL the provider calls or links to (always checked as for a
        confidential client: no custom scheme, no loopback port trick)."""
        value = self.raw.get(name) or ""
        if not value:
            return ""
        if not isinstance(value, str):
            raise self.where.fail(name, "must be a URL", self.at(name))
        _check_uri(self.where, name, value, "confidential", self.at(name))
        return value

    def scopes(self) -> tuple[str, ...]:
        scopes = self.texts("scopes", ["openid"])
        for scope in scopes:
            if scope not in KNOWN_SCOPES and not SERVICE_SCOPE.match(scope):
                raise self.where.fail("scopes", f"unknown scope {scope!r}", self.at("scopes"))
        return scopes

    def require_pkce(self, ctype: str) -> bool:
        require_pkce = self.raw.get("require_pkce", True)
        node = self.at("require_pkce")
        if not isinstance(require_pkce, bool):
            raise self.where.fail("require_pkce", "must be true or false", node)
        if ctype == "public" and not require_pkce:
            raise self.where.fail(
                "require_pkce", "PKCE is always required for public clients", node
            )
        return require_pkce

    def lifetimes(self) -> dict[str, Any]:
        """The client's own token lifetimes (None: the provider's)."""
        found: dict[str, Any] = {}
        for ttl, (low, high) in LIFETIME_BOUNDS.items():
            value = self.raw.get(ttl)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high
            ):
                raise self.where.fail(
                    ttl, f"must be a number of seconds from {low} to {high}", self.at(ttl)
                )
            found[ttl] = value
        return found

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        return _choice(self.where, self.raw, name, allowed, self.at)

    def texts(self, name: str, default: list[str]) -> tuple[str, ...]:
        return tuple(_str_list(self.where, self.raw, name, self.at, default=default))


def _mapping(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _str_list(where: _Where, raw: dict, name: str, at, default: list[str]) -> list[str]:
    value = raw.get(name, default)
    if value is None:
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.fail(name, "must be a list of text values", at(name))
    return list(dict.fromkeys(value))


def _choice(where: _Where, raw: dict, name: str, allowed: tuple[str, ...], at) -> str:
    value = raw.get(name, allowed[0])
    if value not in allowed:
        raise where.fail(name, f"must be one of {', '.join(allowed)}", at(name))
    return str(value)


def _access(where: _Where, value: Any, node: yaml.Node) -> AccessRule | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("requires_contract") not in CONTRACTS:
        raise where.fail("access", "needs requires_contract: health or provident", node)
    unknown = set(value) - {"requires_contract", "message", "suggest_client"}
    if unknown:
        raise where.fail("access", f"unknown key(s) {', '.join(sorted(unknown))}", node)
    return AccessRule(
        requires_contract=value["requires_contract"],
        message=str(value.get("message") or ""),
        suggest_client=str(value.get("suggest_client") or ""),
    )


def _secret(where: _Where, raw: dict, at, ctype: str, settings: Settings) -> tuple[str, str]:
    secret_env = raw.get("secret_env") or ""
    secret_hash = raw.get("secret_hash") or ""
    if ctype == "public":
        if secret_env or secret_hash:
            raise where.fail("secret_env", "a public client has no secret", at("secret_env"))
        return "", ""
    if bool(secret_env) == bool(secret_hash):
        raise where.fail(
            "secret_env", "a confidential client needs exactly one of secret_env or secret_hash"
        )
    if secret_hash:
        if not isinstance(secret_hash, str) or not secret_hash.startswith("$argon2"):
            raise where.fail(
                "secret_hash", "must be an argon2 hash ($argon2id$…)", at("secret_hash")
            )
        return "", secret_hash
    if not isinstance(secret_env, str) or not re.match(r"^[A-Z_][A-Z0-9_]*$", secret_env):
        raise where.fail("secret_env", "must name an environment variable", at("secret_env"))
    value = os.environ.get(secret_env, "")
    if not value and settings.server.production:
        raise where.fail(
            "secret_env", f"environment variable {secret_env} is not set", at("secret_env")
        )
    if value and len(value) < MIN_SECRET_LENGTH:
        raise where.fail(
            "secret_env",
            f"{secret_env} must hold at least {MIN_SECRET_LENGTH} characters",
            at("secret_env"),
        )
    return secret_env, ""


def _check_uri(where: _Where, name: str, uri: str, ctype: str, node: yaml.Node | None) -> None:
    if has_control_characters(uri):  # urlsplit would quietly drop a tab or line feed
        raise where.fail(name, "control characters are not allowed", node)
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise where.fail(name, f"{uri!r} is not a valid URL", node) from None
    if parts.fragment or "#" in uri:
        raise where.fail(name, f"{uri!r} must not contain a fragment", node)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    if ctype == "public" and parts.scheme not in ("http", "https", "") and "." in parts.scheme:
        return  # private-use scheme of a native app (RFC 8252 §7.1), reverse-DNS form
    raise where.fail(
        name,
        f"{uri!r} must be https (http only on loopback; reverse-DNS custom schemes only for "
        "public native clients)",
        node,
    )

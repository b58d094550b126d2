"""What a browser remembers about its members, in signed cookies.

- Remembered devices for ``second_factor: new_device`` clients: the members who passed the code
  step on this browser, each entry bound to the member's current password, so any password
  change (a reset included) forgets the device.
- Passkeys made here: the members who turned on Face ID / fingerprint on this device, so the
  offer is not shown to them again here.
"""

from __future__ import annotations

import hashlib

from flask import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from idp.models import Member
from idp.runtime import runtime
from idp.web.cookies import cookie_name, read_cookie

COOKIE = "idp_device"
MAX_MEMBERS = 5  # a family tablet


def _serializer() -> URLSafeTimedSerializer:
    secret = runtime().settings.server.secret_key
    return URLSafeTimedSerializer(secret, salt="idp remembered device")


def _entry(member: Member) -> str:
    stamp = f"{member.subject}:{member.password_hash or ''}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]


def _entries(request: Request) -> list[str]:
    raw = read_cookie(COOKIE)
    if not raw or len(raw) > 4096:
        return []
    max_age = runtime().settings.second_factor.remember_device_days * 86400
    try:
        value = _serializer().loads(raw, max_age=max_age)
    except BadSignature:
        return []
    return [e for e in value if isinstance(e, str)] if isinstance(value, list) else []


def is_remembered(request: Request, member: Member) -> bool:
    return _entry(member) in _entries(request)


def remember(request: Request, response: Response, member: Member) -> None:
    entries = [e for e in _entries(request) if e != _entry(member)]
    entries = [_entry(member), *entries][:MAX_MEMBERS]
    settings = runtime().settings
    response.set_cookie(
        cookie_name(COOKIE),
        _serializer().dumps(entries),
        max_age=settings.second_factor.remember_device_days * 86400,
        httponly=True,
        secure=settings.server.https,
        samesite="Lax",
        path="/",
    )


PASSKEY_COOKIE = "idp_passkey"
PASSKEY_COOKIE_DAYS = 400  # the longest a browser keeps a cookie


def _passkey_serializer() -> URLSafeTimedSerializer:
    secret = runtime().settings.server.secret_key
    return URLSafeTimedSerializer(secret, salt="idp passkey here")


def _passkey_entry(member: Member) -> str:
    return hashlib.sha256(f"passkey:{member.subject}".encode()).hexdigest()[:32]


def _passkey_entries(request: Request) -> list[str]:
    raw = read_cookie(PASSKEY_COOKIE)
    if not raw or len(raw) > 4096:
        return []
    try:
        value = _passkey_serializer().loads(raw, max_age=PASSKEY_COOKIE_DAYS * 86400)
    except BadSignature:
        return []
    return [e for e in value if isinstance(e, str)] if isinstance(value, list) else []


def has_passkey_here(request: Request, member: Member) -> bool:
    return _passkey_entry(member) in _passkey_entries(request)


def mark_passkey_here(request: Request, response: Response, member: Member, here: bool) -> None:
    """Record (or forget, when the member removes the device) that this browser has a passkey
    of the member."""
    entries = [e for e in _passkey_entries(request) if e != _passkey_entry(member)]
    if here:
        entries = [_passkey_entry(member), *entries]
    response.set_cookie(
        cookie_name(PASSKEY_COOKIE),
        _passkey_serializer().dumps(entries[:MAX_MEMBERS]),
        max_age=PASSKEY_COOKIE_DAYS * 86400,
        httponly=True,
        secure=runtime().settings.server.https,
        samesite="Lax",
        path="/",
    )

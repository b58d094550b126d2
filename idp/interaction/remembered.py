"""What a browser remembers about its members, in signed cookies.

- Remembered devices for ``second_factor: new_device`` clients: the members who passed the code
  step on this browser, each entry bound to the member's current password, so any password
  change (a reset included) forgets the device.
- Passkeys made here: the members who turned on Face ID / fingerprint on this device, so the
  offer is not shown to them again here.

Nothing here looks services up: a view builds :class:`RememberedBrowsers` from the app's
settings (``RememberedBrowsers.of(rt)``) and asks it.
"""

from __future__ import annotations

import hashlib

from flask import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from idp.config import SecondFactorSettings, ServerSettings
from idp.models import Member
from idp.runtime import Runtime
from idp.web.cookies import cookie_name, read_cookie

COOKIE = "idp_device"
MAX_MEMBERS = 5  # a family tablet
PASSKEY_COOKIE = "idp_passkey"
PASSKEY_COOKIE_DAYS = 400  # the longest a browser keeps a cookie


def _entry(member: Member) -> str:
    stamp = f"{member.subject}:{member.password_hash or ''}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]


def _passkey_entry(member: Member) -> str:
    return hashlib.sha256(f"passkey:{member.subject}".encode()).hexdigest()[:32]


def _read_entries(name: str, serializer: URLSafeTimedSerializer, max_age: int) -> list[str]:
    """The entries of cookie ``name``, or none when it is missing, too long, forged or older
    than ``max_age`` seconds."""
    raw = read_cookie(name)
    if not raw or len(raw) > 4096:
        return []
    try:
        value = serializer.loads(raw, max_age=max_age)
    except BadSignature:
        return []
    return [e for e in value if isinstance(e, str)] if isinstance(value, list) else []


class RememberedBrowsers:
    """The cookies of this browser, signed with the ``server``'s secret key (``secure`` on
    HTTPS); a device passing the code is remembered for the ``second_factor`` settings'
    days."""

    def __init__(self, server: ServerSettings, second_factor: SecondFactorSettings) -> None:
        self.server = server
        self.remember_seconds = second_factor.remember_device_days * 86400

    @classmethod
    def of(cls, rt: Runtime) -> RememberedBrowsers:
        return cls(rt.settings.server, rt.settings.second_factor)

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.server.secret_key, salt="idp remembered device")

    def _passkey_serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.server.secret_key, salt="idp passkey here")

    def _entries(self) -> list[str]:
        return _read_entries(COOKIE, self._serializer(), self.remember_seconds)

    def _passkey_entries(self) -> list[str]:
        return _read_entries(
            PASSKEY_COOKIE, self._passkey_serializer(), PASSKEY_COOKIE_DAYS * 86400
        )

    def is_remembered(self, request: Request, member: Member) -> bool:
        return _entry(member) in self._entries()

    def remember(self, request: Request, response: Response, member: Member) -> None:
        entries = [e for e in self._entries() if e != _entry(member)]
        entries = [_entry(member), *entries][:MAX_MEMBERS]
        self._set_cookie(response, COOKIE, self._serializer().dumps(entries),
                         self.remember_seconds)  # fmt: skip

    def has_passkey_here(self, request: Request, member: Member) -> bool:
        return _passkey_entry(member) in self._passkey_entries()

    def mark_passkey_here(
        self, request: Request, response: Response, member: Member, here: bool
    ) -> None:
        """Record (or forget, when the member removes the device) that this browser has a
        passkey of the member."""
        entries = [e for e in self._passkey_entries() if e != _passkey_entry(member)]
        if here:
            entries = [_passkey_entry(member), *entries]
        value = self._passkey_serializer().dumps(entries[:MAX_MEMBERS])
        self._set_cookie(response, PASSKEY_COOKIE, value, PASSKEY_COOKIE_DAYS * 86400)

    def _set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            cookie_name(name),
            value,
            max_age=max_age,
            httponly=True,
            secure=self.server.https,
            samesite="Lax",
            path="/",
        )

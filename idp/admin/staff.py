"""Console staff accounts (admins and advisers), no Flask: creation with a one-time setup link,
the password and TOTP enrolment it leads to, and the two sign-in checks.

* A setup link is valid 24 hours; only the SHA-256 of its token is stored. The account is
  ready once the person chose a password and typed a valid code of their authenticator app;
  completing the setup is one conditional ``UPDATE``, so a link works once.
* Staff passwords: 12 to 128 characters, not a common password, not containing the e-mail's
  local part. No character-class rule: the second factor is always required (NIST SP 800-63B).
* The second factor is the TOTP app, or a security key added later (``security_keys.py``).
* A TOTP time step is used once: the matching step must be later than ``totp_last_step``, and
  it is recorded by a conditional ``UPDATE``, so two parallel uses of one code cannot both pass.
* Sign-in never says whether an e-mail belongs to staff: unknown, disabled, not yet set up and
  temporarily locked accounts get the wrong-password answer after the same hash work. Five
  failures (password, code or key) within 15 minutes lock the account until that window
  ends; each try is reserved before its secret is checked (``throttling/tries.py``, as for
  members), so parallel guesses cannot check more than five.

Nothing here looks services up: an edge (a console page, an ``idp staff`` command) builds one
:class:`StaffAccounts` (``StaffAccounts.of(rt)``) for what needs the clock, the password
hasher, the TOTP key, Redis or the WebAuthn ceremony; the rest are plain functions.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import NoReturn

from redis import Redis
from sqlalchemy import delete, or_, select, update

from idp import audit
from idp.accounts.policy import Message, PasswordRejected, is_common, rules
from idp.admin import security_keys
from idp.authenticators import totp
from idp.authenticators.password import PasswordHashing
from idp.authenticators.webauthn_ceremony import WebAuthnCeremony
from idp.clock import Clock
from idp.config import PasswordPolicySettings, Settings
from idp.db import db
from idp.errors import IdPError
from idp.kv import key
from idp.link_tokens import digest, new_token, well_formed
from idp.models import StaffMember, StaffSecurityKey
from idp.runtime import Runtime
from idp.throttling import tries
from idp.throttling.limits import Limit, hit

ROLES = ("admin", "support")
SETUP_TTL = timedelta(hours=24)
MIN_PASSWORD, MAX_PASSWORD = 12, 128
MAX_FAILURES, FAILURE_WINDOW = 5, 15 * 60
SIGN_IN_PER_IP = Limit("staff-sign-in-ip", 30, 300)
SIGN_IN_PER_EMAIL = Limit("staff-sign-in-email", 10, 300)


class StaffRejected(IdPError):
    """``idp staff …`` cannot do this; ``detail`` says why (operator's text, English)."""

    message = "admin.staff.rejected"


class SetupLinkInvalid(IdPError):
    """Unknown, used, replaced or expired setup link."""

    message = "admin.setup.invalid"


class StaffSignInFailed(IdPError):
    """Wrong e-mail or password, or an account that cannot sign in: one answer for all."""

    message = "admin.login.invalid"


class TotpRejected(IdPError):
    """Wrong, expired or already used code."""

    message = "admin.totp.invalid"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_staff(email: str) -> StaffMember | None:
    email = normalize_email(email)
    if not email or not email.isprintable() or len(email) > 320:
        return None
    return db.session.scalars(select(StaffMember).filter_by(email=email)).one_or_none()


def set_staff_disabled(email: str, disabled: bool) -> StaffMember:
    staff = find_staff(email)
    if staff is None:
        raise StaffRejected(f"No console account for {email}.")
    staff.disabled = disabled
    event = "staff.disabled" if disabled else "staff.enabled"
    audit.record(event, actor="cli", staff=staff.email)
    db.session.commit()
    return staff


def list_staff() -> list[StaffMember]:
    return list(db.session.scalars(select(StaffMember).order_by(StaffMember.email)))


# The staff rule as a password policy, for the new-password fields members' pages share
# (``templates/_new_password_fields.html``): a length, no character classes, no history.
STAFF_PASSWORD = PasswordPolicySettings(
    profile="nist", min_length=MIN_PASSWORD, max_length=MAX_PASSWORD, min_classes=0, history=0
)


def staff_password_rules() -> list[Message]:
    """The rules shown before typing: the members' list for this policy, with the staff's
    own personal-data rule (the e-mail address)."""
    return [
        ("admin.setup.rule_not_email", {}) if key == "password.rule.not_personal" else (key, values)
        for key, values in rules(STAFF_PASSWORD)
    ]


def check_staff_password(password: str, email: str) -> None:
    """Raise :class:`PasswordRejected` naming every rule ``password`` breaks."""
    failures: list[Message] = []
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_PASSWORD:
        failures.append(("password.fail.too_short", {"count": MIN_PASSWORD}))
    elif length > MAX_PASSWORD:
        failures.append(("password.fail.too_long", {"max": MAX_PASSWORD}))
    if is_common(password):
        failures.append(("password.fail.common", {}))
    local = email.partition("@")[0].casefold()
    if len(local) >= 4 and local in password.casefold():
        failures.append(("admin.setup.password_personal", {}))
    if failures:
        raise PasswordRejected(failures)


def can_sign_in(staff: StaffMember) -> bool:
    return (not staff.disabled and staff.setup_token_hash is None
            and staff.password_hash is not None and staff.totp_secret is not None)  # fmt: skip


class StaffAccounts:
    """The staff accounts' setup and sign-in on the app's services: setup links and TOTP
    steps read on ``clock``, passwords hashed by ``passwords``, TOTP secrets encrypted with a
    key of ``settings``, tries and rates counted in ``redis``, security keys checked by
    ``webauthn``; built once per request or command (:meth:`of`)."""

    def __init__(
        self, settings: Settings, redis: Redis, clock: Clock, passwords: PasswordHashing,
        webauthn: WebAuthnCeremony,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.redis = redis
        self.clock = clock
        self.passwords = passwords
        self.webauthn = webauthn

    @classmethod
    def of(cls, rt: Runtime) -> StaffAccounts:
        return cls(rt.settings, rt.redis, rt.clock, rt.passwords, WebAuthnCeremony.of(rt))

    # --- accounts (``idp staff …``) -------------------------------------------------------------

    def create_staff(self, email: str, role: str) -> tuple[StaffMember, str]:
        """A new account and the token of its setup link (given once, only its digest kept)."""
        email = normalize_email(email)
        local, at, domain = email.partition("@")
        if not (local and at and "." in domain) or not email.isprintable() or len(email) > 320:
            raise StaffRejected(f"{email!r} is not an e-mail address.")
        if role not in ROLES:
            raise StaffRejected(f"The role must be one of {', '.join(ROLES)}.")
        if find_staff(email) is not None:
            raise StaffRejected(f"{email} already has a console account (`idp staff reset` "
                                "sends a new setup link).")  # fmt: skip
        staff = StaffMember(email=email, role=role, disabled=False)
        db.session.add(staff)
        token = self._new_setup(staff)
        db.session.flush()
        audit.record("staff.created", actor="cli", staff=email, role=role)
        db.session.commit()
        return staff, token

    def reset_staff(self, email: str) -> tuple[StaffMember, str]:
        """A lost phone or password: credentials and security keys are wiped and a new setup
        link issued (the old one stops working)."""
        staff = find_staff(email)
        if staff is None:
            raise StaffRejected(f"No console account for {email}.")
        staff.password_hash = None
        staff.totp_secret = None
        staff.totp_last_step = None
        db.session.execute(delete(StaffSecurityKey).where(StaffSecurityKey.staff_id == staff.id))
        token = self._new_setup(staff)
        audit.record("staff.reset", actor="cli", staff=staff.email)
        db.session.commit()
        return staff, token

    def _new_setup(self, staff: StaffMember) -> str:
        token = new_token()
        staff.setup_token_hash = digest(token)
        staff.setup_expires_at = self.clock.now() + SETUP_TTL
        return token

    # --- setup: password, then the authenticator app ----------------------------------------

    def find_by_setup_token(self, token: str) -> StaffMember:
        if not well_formed(token):
            raise SetupLinkInvalid()
        staff = db.session.scalars(
            select(StaffMember).filter_by(setup_token_hash=digest(token))
        ).one_or_none()
        if staff is None or staff.disabled or staff.setup_expires_at is None:
            raise SetupLinkInvalid()
        if staff.setup_expires_at <= self.clock.now():
            raise SetupLinkInvalid()
        return staff

    def choose_password(self, token: str, password: str) -> tuple[StaffMember, str]:
        """Step 1 of the setup: the password is set and a new TOTP secret generated (stored
        encrypted, not usable for sign-in until a code confirms it). Returns the secret to
        show."""
        staff = self.find_by_setup_token(token)
        check_staff_password(password, staff.email)
        secret = totp.new_secret()
        staff.password_hash = self.passwords.hash(password)
        staff.totp_secret = totp.encrypt_secret(self.settings, secret)
        staff.totp_last_step = None
        db.session.commit()
        return staff, secret

    def enrolment_secret(self, staff: StaffMember) -> str:
        assert staff.totp_secret is not None
        return totp.decrypt_secret(self.settings, staff.totp_secret)

    def confirm_totp(self, token: str, code: str) -> StaffMember:
        """Step 2: a valid current code proves the app holds the secret; the setup link is
        used up in the same conditional ``UPDATE``."""
        staff = self.find_by_setup_token(token)
        if staff.totp_secret is None or staff.password_hash is None:
            raise SetupLinkInvalid()
        step = totp.matching_step(self.enrolment_secret(staff), code, self.clock.now())
        if step is None:
            raise TotpRejected()
        done = db.session.execute(
            update(StaffMember)
            .where(StaffMember.id == staff.id, StaffMember.setup_token_hash == digest(token))
            .values(totp_last_step=step, setup_token_hash=None, setup_expires_at=None)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            raise SetupLinkInvalid()
        audit.record("staff.enrolled", actor=f"staff:{staff.email}", factor="totp")
        db.session.commit()
        db.session.refresh(staff)
        return staff

    # --- sign-in --------------------------------------------------------------------------------

    def verify_password(self, email: str, password: str, *, ip: str) -> StaffMember:
        """The staff member these credentials belong to; raises :class:`StaffSignInFailed`
        or ``RateLimited``. A try is reserved before the hash is checked
        (``throttling/tries.py``), so at most ``MAX_FAILURES`` wrong passwords are ever
        verified per window; every refusal costs the same hashing work."""
        email = normalize_email(email)[:320]
        hit(SIGN_IN_PER_IP, ip, redis=self.redis)
        hit(SIGN_IN_PER_EMAIL, email, redis=self.redis)
        staff = find_staff(email)
        usable = staff if staff is not None and can_sign_in(staff) else None
        if usable is None:
            self.passwords.verify(None, password[:MAX_PASSWORD])
            _failed(None, "password")
        reservation = self._reserve(usable, "password", password)
        try:
            ok = self.passwords.verify(usable.password_hash, password[:MAX_PASSWORD])
        except BaseException:
            reservation.release()
            raise
        if not ok or len(password) > MAX_PASSWORD:
            reservation.failed()
            _failed(usable, "password")
        reservation.succeeded()
        return usable

    def verify_totp(self, staff: StaffMember, code: str) -> None:
        """Accept a current code once: the step it matches must be later than the last used."""
        if not can_sign_in(staff):
            _failed(staff, "totp", reason="unavailable")
        reservation = self._reserve(staff, "totp")
        step = totp.matching_step(self.enrolment_secret(staff), code, self.clock.now())
        if step is None:
            reservation.failed()
            _failed(staff, "totp")
        used = db.session.execute(
            update(StaffMember)
            .where(StaffMember.id == staff.id)
            .where(or_(StaffMember.totp_last_step.is_(None), StaffMember.totp_last_step < step))
            .values(totp_last_step=step)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            reservation.failed()
            _failed(staff, "totp", reason="replayed")
        reservation.succeeded()
        db.session.commit()

    def verify_security_key(self, staff: StaffMember, response_json: str) -> None:
        """The second factor by security key instead of a code (``admin/security_keys.py``)."""
        if not can_sign_in(staff):
            _failed(staff, "key", reason="unavailable")
        reservation = self._reserve(staff, "key")
        try:
            security_keys.verify_key(staff, response_json, webauthn=self.webauthn, clock=self.clock)
        except security_keys.SecurityKeyRejected as rejected:
            db.session.rollback()
            reservation.failed()
            _failed(staff, "key", reason=rejected.reason)
        except BaseException:
            reservation.release()
            raise
        reservation.succeeded()

    def record_sign_in(self, staff: StaffMember, factor: str = "totp") -> None:
        staff.last_sign_in_at = self.clock.now()
        _budget(staff).clear(self.redis)
        audit.record("staff.signed_in", actor=f"staff:{staff.email}", factor=factor)

    def _reserve(self, staff: StaffMember, step: str, password: str = "") -> tries.Reservation:
        """A try for ``step``, or the step refused without its secret being checked: locked
        (the threshold reached) or every try left already being checked. A refused password
        still costs the hashing work of a checked one."""
        budget = _budget(staff)
        reserved = tries.reserve(budget, redis=self.redis)
        if isinstance(reserved, tries.Reservation):
            return reserved
        if step == "password":
            self.passwords.verify(None, password[:MAX_PASSWORD])
        _failed(staff, step, reason="locked" if reserved.exhausted(budget) else "in_flight")


def _budget(staff: StaffMember) -> tries.Budget:
    """Password, code and key failures of one staff member count together."""
    return tries.Budget(
        key("staff-failures", staff.id), key("staff-failures-pending", staff.id),
        MAX_FAILURES, FAILURE_WINDOW,
    )  # fmt: skip


def _failed(staff: StaffMember | None, step: str, reason: str = "wrong") -> NoReturn:
    actor = f"staff:{staff.email}" if staff is not None else None
    audit.record("staff.sign_in_failed", actor=actor, step=step, reason=reason)
    if step == "key":
        raise security_keys.SecurityKeyRejected(reason)
    raise TotpRejected() if step == "totp" else StaffSignInFailed()

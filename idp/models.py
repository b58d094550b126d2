"""Durable state (docs/architecture.md): members, clients, keys, refresh tokens, audit events."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false as sa_false

from idp.db import Base, utcnow


def new_subject() -> str:
    """A stable opaque ``sub``: random, never derived from the member number."""
    return secrets.token_urlsafe(24)


class Member(Base):
    """A member of the mutual. Exists from the directory import; an account once activated."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True, default=new_subject)
    member_number: Mapped[str] = mapped_column(String(32), unique=True)
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # Contracts held, ';'-separated from {health, provident}, as in the import file.
    contracts: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # The password was last set through the mailbox (a reset link): until a sign-in proves a
    # factor that is not e-mail (SMS, passkey), an e-mailed code is no second factor
    # (docs/security.md, "Second factor that is really second").
    needs_strong_factor: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # WebAuthn user handle: random, given to authenticators instead of anything personal.
    webauthn_handle: Mapped[bytes | None] = mapped_column(LargeBinary(64), unique=True)
    # The member answered "not now" to the biometric offer at this time.
    passkey_offer_declined_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The language of the member's last sign-in (fr | en): notices sent on an adviser's or
    # an admin's action are written in it.
    lang: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def contract_set(self) -> set[str]:
        return {c for c in self.contracts.split(";") if c}

    @property
    def active(self) -> bool:
        return self.activated_at is not None and self.password_hash is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OAuthClient(Base):
    """A relying party. Rows come from clients.yaml (``managed_by='file'``) or the admin API."""

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    client_type: Mapped[str] = mapped_column(String(20))  # confidential | public
    # SHA-256 hex of a generated or env-supplied secret, or an argon2 hash from clients.yaml.
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    managed_by: Mapped[str] = mapped_column(String(20), default="file")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # After a rotation, the previous secret's digest keeps working until this time.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # RFC 7592 registration access token (SHA-256) of a dynamically registered client.
    registration_token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SigningKey(Base):
    """A JWS signing key. Lifecycle: next (published) → active (signs) → retired (published
    until ``publish_until``, when every token it signed has expired)."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))  # next | active | retired
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    # Generated under the development secret: production refuses to sign with it.
    development: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    publish_until: Mapped[datetime | None] = mapped_column(DateTime)


class RefreshToken(Base):
    """One refresh token, stored as a SHA-256 digest. Tokens rotated from one authorization
    share a ``family_id``; reuse of a used token revokes the family (RFC 9700 §4.14.2)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(500))
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    auth_time: Mapped[int] = mapped_column(Integer)
    acr: Mapped[str | None] = mapped_column(String(100))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # When the family ends, whatever its rotations (the absolute lifetime, set at sign-in
    # and carried over; NULL on tokens issued before it existed).
    family_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what, when, from where. Never a password, a code or a token."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    client_id: Mapped[str | None] = mapped_column(String(100), index=True)
    # Who acted when it was not the member: ``staff:<email>`` (console) or ``client:<id>``
    # (admin API).
    actor: Mapped[str | None] = mapped_column(String(400), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PasswordHistory(Base):
    """Hashes of a member's previous passwords, newest first, for the history rule."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AccountLink(Base):
    """A single-use e-mailed link (activation or password reset), stored as a SHA-256 digest.
    A newer link of the same purpose, or any password change, invalidates older ones."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # activation | reset
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """Development outbox: messages kept instead of sent when no SMTP/SMS is configured."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    purpose: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")


class PasskeyCredential(Base):
    """A WebAuthn credential (Face ID, fingerprint…) a member registered on a device."""

    __tablename__ = "passkey_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE, as the authenticator gave it
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    aaguid: Mapped[str] = mapped_column(String(36), default="")
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)  # a synced passkey
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Consent(Base):
    """What a member allowed a ``consent: explicit`` client to receive (scopes), until the
    member withdraws it from the account page."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("member_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("clients.client_id", ondelete="CASCADE")
    )
    scopes: Mapped[str] = mapped_column(String(500))  # space-separated
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StaffMember(Base):
    """An administrator (``admin``) or an adviser (``support``) of the console: separate from
    members, signed in with a password and a TOTP app or a security key."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | support
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The TOTP secret, encrypted (Fernet, key derived from IDP_SECRET_KEY); None until enrolled.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a used time step is refused
    # One-time setup link (``idp staff create``): SHA-256 of its token, and its end.
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)


class StaffSecurityKey(Base):
    """A WebAuthn security key of a staff member (second factor instead of TOTP)."""

    __tablename__ = "staff_security_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class PasskeySession(Base):
    """A passkey signed in (or re-authenticated) the session known to relying parties as
    ``public_sid``: removing the passkey (a lost phone) ends that session and revokes the
    refresh tokens issued under it, even once the SSO session itself is over."""

    __tablename__ = "passkey_sessions"
    __table_args__ = (UniqueConstraint("credential_id", "public_sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(Integer, index=True)  # passkey_credentials.id
    public_sid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QueuedLogout(Base):
    """A back-channel logout token owed to a relying party (``logout/queue.py``): written in
    the transaction of the sign-out that owes it, deleted once delivered or given up. Nothing
    secret waits here: the token is signed at each attempt."""

    __tablename__ = "backchannel_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100))
    sub: Mapped[str] = mapped_column(String(255))
    sid: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt is due, or, while a worker holds the job, when its lease ends.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QueuedMail(Base):
    """The durable outbox: an e-mail waiting to leave (activation and reset links, notices),
    written in the transaction of what it carries and sent by the mail workers
    (``notifications/mail_queue.py``). The rendered message holds the link, so this table is
    as sensitive as the mailbox: the body is erased once the mail is sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(50))
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(5), default="fr")
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    # pending (due at next_attempt_at) | sending (leased until next_attempt_at) | sent | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class AccessTokenRevocation(Base):
    """A revoked access token (``kind`` ``jti``: its ``jti``) or every access token of a
    refresh-token family (``kind`` ``family``: their ``idp_family`` claim), kept until the
    last of them has expired. Redis only caches these rows (``idp/tokens/revocations.py``), so
    losing Redis never un-revokes a token."""

    __tablename__ = "access_token_revocations"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

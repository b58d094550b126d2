"""The account page's connected applications: the services that received the member's
consent or hold a refresh token ("stay signed in", offline access), and withdrawing them.
Withdrawing forgets the consent and signs the member out of that client alone
(``logout/sign_out.py``): its refresh tokens and the access tokens issued with them revoked,
a back-channel logout for each session it was in, so the service must ask again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select

from idp import audit
from idp.accounts import consents
from idp.accounts.devices import format_moment
from idp.clients.registry import ClientRegistry
from idp.config import TokenSettings
from idp.db import db, utcnow
from idp.logout.sign_out import SignOut
from idp.models import Member, RefreshToken
from idp.runtime import runtime
from idp.selfservice.account import signed_in_member
from idp.selfservice.blueprint import bp
from idp.web import i18n
from idp.web.csrf import check_csrf

DONE = ("withdrawn",)


@dataclass(frozen=True)
class Connection:
    client_id: str
    name: str
    scopes: list[str]  # consented scopes (explicit clients); empty for the group's portals
    since: datetime
    offline: bool  # holds a live refresh token
    offline_for: str  # how long its refresh-token family lives at most, as the member reads it


def connections(member: Member, clients: ClientRegistry, tokens: TokenSettings) -> list[Connection]:
    """One entry per client that has the member's consent or a live refresh token."""
    rows = db.session.execute(
        select(RefreshToken.client_id, func.min(RefreshToken.issued_at))
        .where(
            RefreshToken.member_id == member.id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.used_at.is_(None),
            RefreshToken.expires_at > utcnow(),
        )
        .group_by(RefreshToken.client_id)
    )
    live: dict[str, datetime] = {client_id: issued for client_id, issued in rows}
    granted = {c.client_id: c for c in consents.consents_of(member)}
    found = []
    for client_id in sorted(set(live) | set(granted)):
        client = clients.find(client_id)
        if client is None:
            continue
        consent = granted.get(client_id)
        scopes = sorted(set(consent.scopes.split()) - consents.SILENT_SCOPES) if consent else []
        since = consent.granted_at if consent else live[client_id]
        lifetime = i18n.duration(client.refresh_family_lifetime(tokens))
        found.append(Connection(client_id, client.name, scopes, since, client_id in live, lifetime))
    return found


@bp.get("/account/applications")
def applications():
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    lang = i18n.current()
    done = request.args.get("done")
    rt = runtime()
    return render_template(
        "selfservice/applications.html",
        connections=connections(member, ClientRegistry.of(rt), rt.settings.tokens),
        when=lambda moment: format_moment(moment, lang, timezone=rt.settings.brand.timezone),
        done=done if done in DONE else None,
    )


@bp.post("/account/applications/<client_id>/withdraw")
def withdraw(client_id: str):
    check_csrf()
    member = signed_in_member()
    if member is None:
        return render_template("selfservice/signed_out.html"), 401
    rt = runtime()
    listed = connections(member, ClientRegistry.of(rt), rt.settings.tokens)
    if client_id not in {c.client_id for c in listed}:
        return render_template("errors/error.html", message="applications.not_found"), 404
    consents.withdraw(member, client_id)
    signed_out = SignOut.of(rt).sign_out_of_clients(member, {client_id},
                                                    reason="application_withdrawn")  # fmt: skip
    audit.record("consent.withdrawn", member_id=member.id, client_id=client_id,
                 refresh_families=signed_out.token_families)  # fmt: skip
    return redirect(url_for("selfservice.applications", done="withdrawn"), 303)

"""Admin API, member support (issue 7 §5): find a member, see their status, and the
advisers' actions. Every route needs ``idp:support`` (or ``idp:admin``); each action is
audited with the calling service as ``actor`` (:mod:`idp.admin.support`)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from idp.accounts.devices import DeviceNotFound
from idp.admin import support
from idp.admin.api import SUPPORT, ApiError, bp, caller, json_body, requires
from idp.admin.member_search import MAX_RESULTS
from idp.admin.openapi import operation
from idp.logout.sign_out import SignOut
from idp.models import Member
from idp.notifications import current_notifier
from idp.runtime import runtime
from idp.sso import SsoSessions
from idp.text import is_ascii_number

MEMBER = "/members/{member_number}"
NUMBER_PARAMETER = {
    "name": "member_number",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
LANG_PARAMETER = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["fr", "en"], "default": "fr"},
    "description": "Language of the e-mail sent to the member.",
}
ACTION_ANSWERS = {200: "Done", 404: "No such member", 409: "Refused: the message says why"}


def _member(member_number: str) -> Member:
    member = support.find_member(member_number)
    if member is None:
        raise ApiError(404, "not_found", f"No member {member_number}.")
    return member


def _lang() -> str | None:
    """The notice's language when the caller names one; else the member's."""
    lang = request.args.get("lang")
    if lang is not None and lang not in ("fr", "en"):
        raise ApiError(400, "invalid_request", "lang must be fr or en.")
    return lang


def _refused(refusal: support.SupportActionRefused) -> ApiError:
    return ApiError(409, "refused", str(refusal))


operation(
    "/members",
    "get",
    "Find members by number, e-mail or name",
    scope=SUPPORT,
    parameters=[
        {
            "name": "q",
            "in": "query",
            "required": True,
            "schema": {"type": "string"},
            "description": "A member number, an e-mail address, or the start of the names",
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "default": 20, "minimum": 1, "maximum": 100},
        },
    ],
    responses={200: "Matching members (short views)", 400: "Missing or bad q/limit"},
)


@bp.get("/members")
@requires("support")
def find_members() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    if not query:
        raise ApiError(400, "invalid_request", "q is required: a member number, e-mail or name.")
    if len(query) > 320:
        raise ApiError(400, "invalid_request", "q is too long.")
    raw_limit = request.args.get("limit", "20")
    if not is_ascii_number(raw_limit) or not 1 <= int(raw_limit) <= MAX_RESULTS:
        raise ApiError(400, "invalid_request", f"limit must be 1 to {MAX_RESULTS}.")
    found = support.find_members(query, int(raw_limit))
    clock = runtime().clock
    return jsonify(members=[support.member_summary(m, clock=clock) for m in found])


operation(
    MEMBER,
    "get",
    "A member's status",
    scope=SUPPORT,
    parameters=[NUMBER_PARAMETER],
    responses={
        200: "Identity, account state, second factor, devices, sessions, recent sign-ins",
        404: "No such member",
    },
)


@bp.get("/members/<member_number>")
@requires("support")
def member_status(member_number: str) -> ResponseReturnValue:
    member = _member(member_number)
    support.record_view(member, caller().actor)
    rt = runtime()
    return jsonify(support.member_status(member, clock=rt.clock, sessions=SsoSessions.of(rt)))


operation(
    f"{MEMBER}/unlock",
    "post",
    "Lift the sign-in lock",
    scope=SUPPORT,
    parameters=[NUMBER_PARAMETER],
    responses={200: "Unlocked (was_locked says whether it was)", 404: "No such member"},
)


@bp.post("/members/<member_number>/unlock")
@requires("support")
def unlock(member_number: str) -> ResponseReturnValue:
    member = _member(member_number)
    was_locked = support.unlock(member, caller().actor, redis=runtime().redis)
    return jsonify(member_number=member.member_number, was_locked=was_locked)


CONTACT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": {"type": "string", "format": "email"},
        "phone": {
            "type": ["string", "null"],
            "description": "E.164 or French national format; null or empty removes it",
        },
    },
    "minProperties": 1,
    "additionalProperties": False,
}
operation(
    f"{MEMBER}/contact",
    "patch",
    "Correct the e-mail address and/or the mobile number",
    scope=SUPPORT,
    body=CONTACT_BODY,
    parameters=[NUMBER_PARAMETER, LANG_PARAMETER],
    responses={
        200: "Changed; notices sent to the old and new addresses",
        400: "Invalid value (the message names the field); nothing changed",
        404: "No such member",
    },
)


@bp.patch("/members/<member_number>/contact")
@requires("support")
def change_contact(member_number: str) -> ResponseReturnValue:
    body = json_body()
    unknown = sorted(set(body) - {"email", "phone"})
    if unknown:
        raise ApiError(400, "invalid_request", f"{unknown[0]}: unknown field (email, phone).")
    values: dict[str, str | None] = {}
    for name in ("email", "phone"):
        if name not in body:
            continue
        value = body[name]
        if value is None and name == "phone":
            value = ""
        if not isinstance(value, str):
            raise ApiError(400, "invalid_request", f"{name} must be a string.")
        values[name] = value
    member = _member(member_number)
    lang = _lang()
    try:
        change = support.change_contact(
            member,
            **values,
            actor=caller().actor,
            lang=lang,
            notifier=current_notifier(),
            clock=runtime().clock,
        )
    except support.InvalidContact as invalid:
        raise ApiError(400, "invalid_request", str(invalid)) from None
    return jsonify(
        member_number=member.member_number,
        changed=change.changed,
        notified=change.notified,
    )


operation(
    f"{MEMBER}/resend-activation",
    "post",
    "E-mail a new activation link",
    scope=SUPPORT,
    parameters=[NUMBER_PARAMETER, LANG_PARAMETER],
    responses=ACTION_ANSWERS,
)


@bp.post("/members/<member_number>/resend-activation")
@requires("support")
def resend_activation(member_number: str) -> ResponseReturnValue:
    member = _member(member_number)
    lang = _lang()
    rt = runtime()
    try:
        sent_to = support.resend_activation(
            member,
            caller().actor,
            lang,
            settings=rt.settings.accounts,
            notifier=current_notifier(),
            clock=rt.clock,
        )
    except support.SupportActionRefused as refusal:
        raise _refused(refusal) from None
    return jsonify(member_number=member.member_number, sent_to=sent_to)


operation(
    f"{MEMBER}/end-sessions",
    "post",
    "Sign the member out everywhere",
    scope=SUPPORT,
    parameters=[NUMBER_PARAMETER],
    responses={200: "Sessions and refresh tokens ended", 404: "No such member"},
)


@bp.post("/members/<member_number>/end-sessions")
@requires("support")
def end_sessions(member_number: str) -> ResponseReturnValue:
    member = _member(member_number)
    done = support.end_sessions(member, caller().actor, sign_out=SignOut.of(runtime()))
    return jsonify(
        member_number=member.member_number,
        sessions=done.sessions,
        token_families=done.token_families,
        notified_clients=done.notified,
    )


operation(
    f"{MEMBER}/devices/{{device_id}}",
    "delete",
    "Remove a passkey device",
    scope=SUPPORT,
    parameters=[
        NUMBER_PARAMETER,
        {"name": "device_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        LANG_PARAMETER,
    ],
    responses={
        200: "Removed; the member is e-mailed",
        404: "No such member, or no such device of this member",
    },
)


@bp.delete("/members/<member_number>/devices/<id:device_id>")
@requires("support")
def remove_device(member_number: str, device_id: int) -> ResponseReturnValue:
    member = _member(member_number)
    lang = _lang()
    try:
        name = support.remove_device(
            member,
            device_id,
            caller().actor,
            lang,
            notifier=current_notifier(),
            clock=runtime().clock,
            sign_out=SignOut.of(runtime()),
        )
    except DeviceNotFound:
        raise ApiError(404, "not_found", f"No device {device_id} for this member.") from None
    return jsonify(member_number=member.member_number, removed={"id": device_id, "name": name})

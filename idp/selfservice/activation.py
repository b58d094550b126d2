"""Activation pages: the four fields, the "e-mail sent" page (what to check when nothing
arrives, the same for every answer), choosing the first password."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request, url_for

from idp.accounts.activation import (
    ActivationRequest,
    Outcome,
    activation_member,
    complete_activation,
    request_activation,
)
from idp.db import db
from idp.models import Member
from idp.notifications import Notifier, current_notifier
from idp.runtime import runtime
from idp.selfservice.blueprint import answer_at_least, bp
from idp.selfservice.forms import client_ip, throttle
from idp.selfservice.link_pages import LinkFlow
from idp.text import is_ascii_number
from idp.throttling.limits import ACTIVATION_PER_IP, ACTIVATION_PER_MEMBER
from idp.web import i18n
from idp.web.csrf import check_csrf

FIELDS = ("member_number", "last_name", "first_name", "birth_date")
OUTCOME_PAGES = {
    Outcome.SENT: "selfservice/activation_sent.html",
    Outcome.ALREADY_ACTIVE: "selfservice/activation_already_active.html",
    Outcome.NO_EMAIL: "selfservice/activation_no_email.html",
}


def parse_birth_date(value: str) -> date | None:
    """``YYYY-MM-DD`` (date input) or ``DD/MM/YYYY`` (typed by hand)."""
    value = value.strip()
    try:
        if "/" in value:
            day, month, year = (int(p) for p in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.get("/activation")
def activation_form():
    kept = i18n.kept()  # the language was just switched after a refused form
    values = {f: str(kept.get("values", {}).get(f, "")) for f in FIELDS} if kept else {}
    errors = {f: m for f in FIELDS if (m := i18n.kept_message(kept.get("errors", {}).get(f)))}
    if errors:
        i18n.keep_on_switch(url_for("selfservice.activation_form"), values=values, errors=errors)
    return render_template("selfservice/activation_form.html", values=values, errors=errors)


@bp.post("/activation")
def activation_submit():
    check_csrf()
    values = {f: request.form.get(f, "").strip()[:200] for f in FIELDS}
    if request.form.get("edit"):  # "Correct my details" on the answer page: the form, filled
        return render_template("selfservice/activation_form.html", values=values, errors={})
    errors = {f: "form.required" for f in FIELDS if not values[f]}
    birth_date = parse_birth_date(values["birth_date"]) if values["birth_date"] else None
    if values["birth_date"] and birth_date is None:
        errors["birth_date"] = "form.bad_date"
    if values["member_number"] and not is_ascii_number(values["member_number"]):
        errors["member_number"] = "form.bad_member_number"
    if errors:
        i18n.keep_on_switch(url_for("selfservice.activation_form"), values=values, errors=errors)
        page = render_template("selfservice/activation_form.html", values=values, errors=errors)
        return page, 400
    assert birth_date is not None
    i18n.forget_kept()
    throttle(
        (ACTIVATION_PER_IP, client_ip()),
        (ACTIVATION_PER_MEMBER, values["member_number"]),
        redis=runtime().redis,
    )
    req = ActivationRequest(
        values["member_number"], values["last_name"], values["first_name"], birth_date
    )
    rt = runtime()
    link_url = rt.settings.server.issuer + url_for("selfservice.activation_confirm")
    with answer_at_least():
        outcome = request_activation(req, i18n.current(), link_url,
                                     settings=rt.settings.accounts, notifier=current_notifier(),
                                     clock=rt.clock)  # fmt: skip
    hours = rt.settings.accounts.activation_link_ttl // 3600
    shown = f"{birth_date:%d/%m}/{birth_date.year:04d}"  # as typed by hand, whatever the input
    return render_template(OUTCOME_PAGES[outcome], values=values, valid_hours=hours,
                           birth_date_shown=shown)  # fmt: skip


LINK = LinkFlow(
    purpose="activation",
    title="activation.choose_title",
    submit_endpoint="selfservice.activation_set_password",
    form_endpoint="selfservice.activation_confirm",
    restart_endpoint="selfservice.activation_form",
    find_member=activation_member,
    complete=complete_activation,
)


@bp.get("/activation/confirm")
def activation_confirm():
    return LINK.form_page()


@bp.post("/activation/confirm")
def activation_set_password():
    member, page = LINK.submit()
    if member is None:
        return page
    _confirm_by_email(member, current_notifier(), runtime().settings.brand.portal_url)
    db.session.commit()
    i18n.keep_on_switch(url_for("selfservice.activation_done"), done=True)
    return render_template("selfservice/activation_done.html")


@bp.get("/activation/done")
def activation_done():
    """The same page in the other language (its link); anyone else goes to the form."""
    if not i18n.kept().get("done"):
        return redirect(url_for("selfservice.activation_form"), code=303)
    i18n.keep_on_switch(url_for("selfservice.activation_done"), done=True)
    return render_template("selfservice/activation_done.html")


def _confirm_by_email(member: Member, notifier: Notifier, sign_in_url: str) -> None:
    """Queue the confirmation e-mail (the caller commits)."""
    if member.email:
        notifier.queue_email(
            member.email,
            "account_activated",
            i18n.current(),
            member_id=member.id,
            first_name=member.first_name,
            sign_in_url=sign_in_url,
        )

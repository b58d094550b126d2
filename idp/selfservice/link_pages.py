"""The two pages behind an e-mailed link (activation, reset): the new-password form, and its
submission with every failure shown on the same form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.accounts.links import LinkExpired, LinkInvalid
from idp.accounts.passwords import NewPasswords
from idp.accounts.policy import Message, PasswordRejected
from idp.clock import Clock
from idp.models import Member
from idp.runtime import runtime
from idp.selfservice.forms import (
    MISMATCH,
    policy_failures,
    refused_password,
    render_password_form,
)
from idp.web import i18n
from idp.web.csrf import check_csrf

PageResult = Response | tuple[str, int] | str


@dataclass(frozen=True)
class LinkFlow:
    purpose: str  # prefix of the audit events: activation | reset
    title: str  # catalog key of the form's title
    submit_endpoint: str
    form_endpoint: str  # the GET of the form (the page the language link shows again)
    restart_endpoint: str
    find_member: Callable[[str, Clock], Member]
    complete: Callable[[str, str, NewPasswords], Member]

    def form_page(self) -> PageResult:
        kept = i18n.kept()  # the language was just switched after a refused password
        token = request.args.get("token") or str(kept.get("token", ""))
        try:
            member = self.find_member(token, runtime().clock)
        except (LinkInvalid, LinkExpired) as error:
            return self.link_error(error)
        failures = _kept_failures(kept.get("failures")) if "token" not in request.args else []
        if failures:
            self._keep(token, failures)
        return render_password_form(
            "selfservice/choose_password.html", 200, failures=failures, **self._form(token, member)
        )

    def submit(self) -> tuple[Member | None, PageResult | None]:
        """(member, None) once the password is set; (None, page) to show instead: the form
        with every failure at once (a mismatched confirmation and the rules broken)."""
        check_csrf()
        token = request.form.get("token", "")
        password = request.form.get("password", "")
        passwords = NewPasswords.of(runtime())
        try:
            member = self.find_member(token, runtime().clock)
        except (LinkInvalid, LinkExpired) as error:
            return None, self.link_error(error)
        form = self._form(token, member)
        if password != request.form.get("password_confirmation", ""):
            failures = [*policy_failures(password, member, passwords), MISMATCH]
            return None, self._refused(token, password, failures, form)
        try:
            return self.complete(token, password, passwords), None
        except (LinkInvalid, LinkExpired) as error:
            return None, self.link_error(error)
        except PasswordRejected as rejected:
            return None, self._refused(token, password, rejected.failures, form)

    def _refused(
        self, token: str, password: str, failures: list[Message], form: dict[str, object]
    ) -> PageResult:
        self._keep(token, failures)
        return render_password_form(
            "selfservice/choose_password.html", 400, **refused_password(password, failures),
            **form,
        )  # fmt: skip

    def link_error(self, error: LinkInvalid | LinkExpired) -> tuple[str, int]:
        expired = isinstance(error, LinkExpired)
        member_id = error.context.get("member_id")
        audit.record(
            f"{self.purpose}.link_expired" if expired else f"{self.purpose}.link_invalid",
            member_id=member_id if isinstance(member_id, int) else None,
        )
        page = render_template(
            "selfservice/link_error.html",
            message=error.message,
            restart=url_for(self.restart_endpoint),
        )
        return page, 400

    def _keep(self, token: str, failures: list[tuple[str, dict[str, int]]]) -> None:
        """The language link shows this form again with its failures (the token is kept in
        the session, not put in the link)."""
        back = url_for(self.form_endpoint)
        i18n.keep_on_switch(back, token=token, failures=[[k, v] for k, v in failures])

    def _form(self, token: str, member: Member) -> dict[str, object]:
        """The form's context; ``username`` is the identifier password managers save the new
        password against (the member number, which the sign-in accepts)."""
        return {"token": token, "action": url_for(self.submit_endpoint), "title": self.title,
                "first_name": member.first_name, "username": member.member_number}  # fmt: skip


def _kept_failures(value: object) -> list[tuple[str, dict[str, int]]]:
    """The failures kept for the language link, those that are catalog keys."""
    found: list[tuple[str, dict[str, int]]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict):
            key = i18n.kept_message(item[0])
            values = {k: v for k, v in item[1].items() if isinstance(v, int)}
            if key is not None:
                found.append((key, values))
    return found

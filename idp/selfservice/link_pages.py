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
from idp.web.csrf import check_csrf

PageResult = Response | tuple[str, int] | str


@dataclass(frozen=True)
class LinkFlow:
    purpose: str  # prefix of the audit events: activation | reset
    title: str  # catalog key of the form's title
    submit_endpoint: str
    restart_endpoint: str
    find_member: Callable[[str, Clock], Member]
    complete: Callable[[str, str, NewPasswords], Member]

    def form_page(self) -> PageResult:
        token = request.args.get("token", "")
        try:
            member = self.find_member(token, runtime().clock)
        except (LinkInvalid, LinkExpired) as error:
            return self.link_error(error)
        return render_password_form(
            "selfservice/choose_password.html", 200, **self._form(token, member)
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
            return None, self._refused(password, failures, form)
        try:
            return self.complete(token, password, passwords), None
        except (LinkInvalid, LinkExpired) as error:
            return None, self.link_error(error)
        except PasswordRejected as rejected:
            return None, self._refused(password, rejected.failures, form)

    def _refused(
        self, password: str, failures: list[Message], form: dict[str, object]
    ) -> PageResult:
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

    def _form(self, token: str, member: Member) -> dict[str, object]:
        """The form's context; ``username`` is the identifier password managers save the new
        password against (the member number, which the sign-in accepts)."""
        return {"token": token, "action": url_for(self.submit_endpoint), "title": self.title,
                "first_name": member.first_name, "username": member.member_number}  # fmt: skip

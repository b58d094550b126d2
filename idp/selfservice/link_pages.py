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
from idp.accounts.policy import PasswordRejected
from idp.clock import Clock
from idp.models import Member
from idp.runtime import runtime
from idp.selfservice.forms import render_password_form
from idp.web.csrf import check_csrf

PageResult = Response | tuple[str, int] | str
MISMATCH: list[tuple[str, dict[str, int]]] = [("password.fail.mismatch", {})]


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
            "selfservice/choose_password.html", 200, first_name=member.first_name,
            **self._form(token),
        )  # fmt: skip

    def submit(self) -> tuple[Member | None, PageResult | None]:
        """(member, None) once the password is set; (None, page) to show instead."""
        check_csrf()
        token = request.form.get("token", "")
        password = request.form.get("password", "")
        form = self._form(token)
        if password != request.form.get("password_confirmation", ""):
            page = render_password_form("selfservice/choose_password.html", 400,
                                        failures=MISMATCH, **form)  # fmt: skip
            return None, page
        try:
            return self.complete(token, password, NewPasswords.of(runtime())), None
        except (LinkInvalid, LinkExpired) as error:
            return None, self.link_error(error)
        except PasswordRejected as rejected:
            page = render_password_form("selfservice/choose_password.html", 400,
                                        failures=rejected.failures, **form)  # fmt: skip
            return None, page

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

    def _form(self, token: str) -> dict[str, object]:
        return {"token": token, "action": url_for(self.submit_endpoint), "title": self.title}

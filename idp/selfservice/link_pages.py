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
from idp.web import i18n
from idp.web.csrf import check_csrf

PageResult = Response | tuple[str, int] | str
MISMATCH: list[tuple[str, dict[str, int]]] = [("password.fail.mismatch", {})]


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
            "selfservice/choose_password.html", 200,
            first_name=member.first_name, failures=failures, **self._form(token),
        )  # fmt: skip

    def submit(self) -> tuple[Member | None, PageResult | None]:
        """(member, None) once the password is set; (None, page) to show instead."""
        check_csrf()
        token = request.form.get("token", "")
        password = request.form.get("password", "")
        form = self._form(token)
        if password != request.form.get("password_confirmation", ""):
            self._keep(token, MISMATCH)
            page = render_password_form("selfservice/choose_password.html", 400,
                                        failures=MISMATCH, **form)  # fmt: skip
            return None, page
        try:
            return self.complete(token, password, NewPasswords.of(runtime())), None
        except (LinkInvalid, LinkExpired) as error:
            return None, self.link_error(error)
        except PasswordRejected as rejected:
            self._keep(token, rejected.failures)
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

    def _keep(self, token: str, failures: list[tuple[str, dict[str, int]]]) -> None:
        """The language link shows this form again with its failures (the token is kept in
        the session, not put in the link)."""
        back = url_for(self.form_endpoint)
        i18n.keep_on_switch(back, token=token, failures=[[k, v] for k, v in failures])

    def _form(self, token: str) -> dict[str, object]:
        return {"token": token, "action": url_for(self.submit_endpoint), "title": self.title}


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

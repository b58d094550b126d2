"""Client pages (``/admin/clients``), admins only: list, show, create (the secret is shown once,
on the page answering the form), edit, rotate the secret, disable or enable, delete after a
confirmation page. Every change goes through ``idp/clients/admin.py``, which validates it by
the rules of clients.yaml, audits it with the staff member as actor and tells every instance.
Clients from clients.yaml are shown read-only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from idp.admin.console.blueprint import ADMIN, actor, bp, staff_page
from idp.clients import admin as clients
from idp.clients.schema import CONTRACTS, GRANT_TYPES, KNOWN_SCOPES
from idp.config import LIFETIME_BOUNDS
from idp.models import OAuthClient
from idp.runtime import runtime
from idp.text import is_ascii_number

Page = Response | tuple[str, int] | str
SCOPES = (*KNOWN_SCOPES, "idp:admin", "idp:support")
TTLS = tuple(LIFETIME_BOUNDS)
CHOICES = {"second_factor": ("always", "new_device"), "webauthn": ("never", "offer"),
           "consent": ("implicit", "explicit")}  # fmt: skip
NEW_CLIENT: dict[str, Any] = {
    "type": "confidential", "scopes": ["openid"], "grant_types": ["authorization_code",
    "refresh_token"], "require_pkce": True, "second_factor": "always", "webauthn": "never",
    "consent": "implicit",
}  # fmt: skip


def _changes() -> clients.ClientChanges:
    """The changes of clients, on this app's settings, Redis and clock."""
    return clients.ClientChanges.of(runtime())


def _view(row: OAuthClient) -> dict[str, Any]:
    """A client as the console shows it, the secret's grace read on this app's clock."""
    return clients.client_view(row, clock=runtime().clock)


def _client(client_id: str) -> OAuthClient:
    try:
        return clients.get_client(client_id)
    except clients.ClientNotFound:
        abort(404)


def _lines(form: MultiDict[str, str], name: str) -> list[str]:
    """One value per line of a text area (CR LF, as browsers send it, or LF); any other
    control character stays in its line, for the client's rules to refuse."""
    lines = form.get(name, "").replace("\r\n", "\n").split("\n")
    return [line.strip(" ") for line in lines if line.strip(" ")]


def form_data(form: MultiDict[str, str], *, creating: bool) -> tuple[dict[str, Any], list[str]]:
    """The form as clients.yaml-shaped data, and the problems found before validation (a TTL
    that is not a number). Empty optional fields are None: back to their default."""
    data: dict[str, Any] = {"name": form.get("name", "").strip()}
    if creating:
        data["client_id"] = form.get("client_id", "").strip() or None
        data["type"] = form.get("type", "")
    for name in ("redirect_uris", "post_logout_redirect_uris"):
        data[name] = _lines(form, name)
    for name in ("backchannel_logout_uri", "client_uri"):
        data[name] = form.get(name, "").strip() or None
    data["scopes"] = [s for s in form.getlist("scopes") if s]
    data["grant_types"] = [g for g in form.getlist("grant_types") if g]
    data["require_pkce"] = form.get("require_pkce") == "yes"
    for name in CHOICES:
        data[name] = form.get(name, "")
    contract = form.get("access_contract", "")
    data["access"] = {
        "requires_contract": contract,
        "message": form.get("access_message", "").strip(),
        "suggest_client": form.get("access_suggest", "").strip(),
    } if contract else None  # fmt: skip
    problems: list[str] = []
    for name in TTLS:
        value = form.get(name, "").strip()
        if value and not is_ascii_number(value):
            problems.append(f"field {name!r}: must be a positive number of seconds")
        data[name] = int(value) if is_ascii_number(value) else None
    return data, problems


def _form_page(values: dict[str, Any], status: int, *, client_id: str | None = None,
               problems: list[str] | None = None) -> tuple[str, int]:  # fmt: skip
    page = render_template("admin/client_form.html", section="clients", values=values,
                           client_id=client_id, problems=problems or [], scopes=SCOPES,
                           grant_types=GRANT_TYPES, choices=CHOICES, contracts=CONTRACTS,
                           ttls=TTLS)  # fmt: skip
    return page, status


def _secret_page(row: OAuthClient, secret: str, rotated: bool) -> tuple[str, int]:
    page = render_template("admin/client_secret.html", section="clients", secret=secret,
                           rotated=rotated, view=_view(row))  # fmt: skip
    return page, 200 if rotated else 201


def client_page(row: OAuthClient, status: int = 200, **context: object) -> tuple[str, int]:
    page = render_template("admin/client.html", section="clients", client=row,
                           view=_view(row), **context)  # fmt: skip
    return page, status


def _done(client_id: str, done: str) -> Response:
    return redirect(url_for("admin_console.client", client_id=client_id, done=done), code=303)


@bp.get("/clients")
@staff_page(ADMIN)
def clients_list() -> str:
    clock = runtime().clock
    rows = [clients.client_view(row, clock=clock) for row in clients.list_clients()]
    return render_template("admin/clients.html", section="clients", clients=rows,
                           done=request.args.get("done"))  # fmt: skip


@bp.get("/clients/new")
@staff_page(ADMIN)
def new_client() -> Page:
    return _form_page(NEW_CLIENT, 200)


@bp.post("/clients/new")
@staff_page(ADMIN)
def create_client() -> Page:
    data, problems = form_data(request.form, creating=True)
    shown = {**data, "client_id": data["client_id"] or ""}
    if problems:
        return _form_page(shown, 400, problems=problems)
    try:
        row, secret = _changes().create_client(
            {k: v for k, v in data.items() if v is not None}, actor(), managed_by="console"
        )
    except clients.ClientChangeRejected as rejected:
        return _form_page(shown, 400, problems=rejected.problems)
    except clients.ClientExists as exists:
        return _form_page(shown, 409, problems=[exists.detail])
    if secret is None:
        return _done(row.client_id, "created")
    return _secret_page(row, secret, rotated=False)


@bp.get("/clients/<client_id>")
@staff_page(ADMIN)
def client(client_id: str) -> Page:
    return client_page(_client(client_id), done=request.args.get("done"))


@bp.get("/clients/<client_id>/edit")
@staff_page(ADMIN)
def edit_client(client_id: str) -> Page:
    row = _client(client_id)
    if row.managed_by == "file":
        return client_page(row, 409, error="admin.client.read_only")
    return _form_page(_view(row), 200, client_id=row.client_id)


@bp.post("/clients/<client_id>/edit")
@staff_page(ADMIN)
def update_client(client_id: str) -> Page:
    row = _client(client_id)
    data, problems = form_data(request.form, creating=False)
    shown = {**_view(row), **data}
    if problems:
        return _form_page(shown, 400, client_id=row.client_id, problems=problems)
    try:
        _changes().update_client(row.client_id, data, actor())
    except clients.ClientReadOnly:
        return client_page(row, 409, error="admin.client.read_only")
    except clients.ClientChangeRejected as rejected:
        return _form_page(shown, 400, client_id=row.client_id, problems=rejected.problems)
    return _done(row.client_id, "updated")


@bp.post("/clients/<client_id>/rotate")
@staff_page(ADMIN)
def rotate_secret(client_id: str) -> Page:
    row = _client(client_id)
    try:
        secret = _changes().rotate_secret(row.client_id, actor())
    except clients.ClientReadOnly:
        return client_page(row, 409, error="admin.client.read_only")
    except clients.ClientChangeRejected:
        return client_page(row, 409, error="admin.client.no_secret")
    return _secret_page(_client(client_id), secret, rotated=True)


@bp.post("/clients/<client_id>/disable")
@staff_page(ADMIN)
def disable_client(client_id: str) -> Page:
    row = _client(client_id)
    disabled = request.form.get("disabled") != "no"
    try:
        _changes().set_disabled(row.client_id, disabled, actor())
    except clients.ClientReadOnly:
        return client_page(row, 409, error="admin.client.read_only")
    return _done(row.client_id, "disabled" if disabled else "enabled")


@bp.get("/clients/<client_id>/delete")
@staff_page(ADMIN)
def confirm_delete(client_id: str) -> Page:
    row = _client(client_id)
    if row.managed_by == "file":
        return client_page(row, 409, error="admin.client.read_only")
    return render_template("admin/client_delete.html", section="clients", client=row)


@bp.post("/clients/<client_id>/delete")
@staff_page(ADMIN)
def delete_client(client_id: str) -> Page:
    row = _client(client_id)
    try:
        _changes().delete_client(row.client_id, actor())
    except clients.ClientReadOnly:
        return client_page(row, 409, error="admin.client.read_only")
    return redirect(url_for("admin_console.clients_list", done="deleted"), code=303)

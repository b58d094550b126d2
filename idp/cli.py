"""The ``idp`` command (also ``flask --app idp …``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import AppGroup

from idp.audit import cli_actor
from idp.errors import ConfigError, IdPError, ImportRejected
from idp.text import is_ascii_number

if TYPE_CHECKING:
    from idp.models import Member

db_cli = AppGroup("db", help="Database schema.")
members_cli = AppGroup("members", help="The member directory.")
clients_cli = AppGroup("clients", help="OAuth clients (relying parties).")
keys_cli = AppGroup("keys", help="Token signing keys.")
dev_cli = AppGroup("dev", help="Development helpers (refused in production).")
accounts_cli = AppGroup("accounts", help="Member accounts (advisers' actions).")
staff_cli = AppGroup("staff", help="Console staff accounts (admins and advisers).")


def init_app(app: Flask) -> None:
    groups = (db_cli, members_cli, clients_cli, keys_cli, dev_cli, accounts_cli, staff_cli,
              audit_cli)  # fmt: skip
    for group in groups:
        app.cli.add_command(group)
    from idp.notifications.outbox_page import outbox_command

    app.cli.add_command(outbox_command)
    app.cli.add_command(check_config)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    from idp.db import db
    from idp.migrate import upgrade

    upgrade(db.engine)
    click.echo("Database schema is up to date.")


@members_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def members_import(csv_file: Path) -> None:
    """Upsert members from a CSV file; any bad row and nothing is written."""
    from idp.accounts.directory import import_members

    try:
        report = import_members(csv_file)
    except ImportRejected as rejected:
        for line, reason in rejected.problems:
            click.echo(f"{csv_file}:{line}: {reason}", err=True)
        click.echo(f"Nothing imported: {len(rejected.problems)} bad row(s).", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {csv_file}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    if report.contracts_ended:
        from sqlalchemy import select

        from idp.db import db
        from idp.logout.sign_out import SignOut
        from idp.models import Member
        from idp.runtime import runtime

        sign_out = SignOut.of(runtime())
        signed_out = [
            sign_out.sign_out_refused_clients(member)
            for member in db.session.scalars(
                select(Member).where(Member.id.in_(report.contracts_ended))
            )
        ]
        click.echo(
            f"{len(report.contracts_ended)} member(s) lost a contract: signed out of the "
            f"applications that required it ({sum(s.token_families for s in signed_out)} "
            "refresh-token families revoked)."
        )


@clients_cli.command("sync")
@click.argument("clients_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def clients_sync(clients_file: Path | None) -> None:
    """Load clients.yaml (or the given file) into the database."""
    from idp.clients.sync import sync_clients
    from idp.runtime import runtime

    rt = runtime()
    path = clients_file or Path(rt.settings.clients_file)
    try:
        report = sync_clients(path, settings=rt.settings, redis=rt.redis)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"Synced {path}: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.disabled)} disabled."
    )


@clients_cli.command("list")
def clients_list() -> None:
    """List registered clients."""
    from idp.clients.registry import all_clients

    for c in all_clients():
        state = "disabled" if c.disabled else "enabled"
        click.echo(f"{c.client_id}\t{c.client_type}\t{c.managed_by}\t{state}\t{c.name}")


@contextmanager
def _client_change() -> Iterator[None]:
    """A refused change prints what is wrong (naming the field) and exits 1; nothing was
    written (idp/clients/admin.py changes all or nothing)."""
    from idp.clients.admin import ClientChangeRejected

    try:
        yield
    except ClientChangeRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"Error: {problem}", err=True)
        click.echo("Nothing changed.", err=True)
        sys.exit(1)
    except IdPError as error:  # not found, read-only (clients.yaml), client_id taken
        click.echo(f"Error: {error} Nothing changed.", err=True)
        sys.exit(1)


def _number_or_text(value: str | None) -> int | str | None:
    """Lifetimes in seconds; anything else goes on to the schema, which names the field."""
    return int(value) if value is not None and is_ascii_number(value) else value


@clients_cli.command("add")
@click.option(
    "--from-json",
    "from_json",
    type=click.File("r"),
    help="A JSON object of client fields (the admin API's body); options override it.",
)
@click.option("--client-id", help="Generated when omitted.")
@click.option("--name", help="Shown to members.")
@click.option("--type", "client_type", help="confidential (web app) or public (native app).")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeat for several.")
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--client-uri", help="The service's home page.")
@click.option("--scope", "scopes", multiple=True, help="Repeat, or space-separated.")
@click.option("--grant-type", "grant_types", multiple=True, help="Repeat for several.")
@click.option("--second-factor", help="always or new_device.")
@click.option("--webauthn", help="offer or never.")
@click.option("--consent", help="implicit or explicit.")
@click.option("--no-pkce", is_flag=True, help="Confidential clients only.")
@click.option("--access-token-ttl")
@click.option("--id-token-ttl")
@click.option("--refresh-token-ttl")
def clients_add(from_json: IO[str] | None, **options: Any) -> None:
    """Register a client by the rules of clients.yaml; its secret is printed once."""
    from idp.clients.admin import ClientChanges
    from idp.runtime import runtime

    data: Any = {}
    if from_json is not None:
        try:
            data = json.load(from_json)
        except ValueError as error:
            click.echo(f"Error: {from_json.name} is not valid JSON ({error}).", err=True)
            sys.exit(1)
        if not isinstance(data, dict):
            click.echo(f"Error: {from_json.name} must hold a JSON object.", err=True)
            sys.exit(1)
    options["type"] = options.pop("client_type")
    options["scopes"] = " ".join(options["scopes"]).split()
    if options.pop("no_pkce"):
        options["require_pkce"] = False
    for ttl in ("access_token_ttl", "id_token_ttl", "refresh_token_ttl"):
        options[ttl] = _number_or_text(options[ttl])
    # Only what was given: a repeatable option left out is an empty tuple.
    given = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in options.items()
        if v not in (None, (), [])
    }
    with _client_change():
        row, secret = ClientChanges.of(runtime()).create_client({**data, **given}, cli_actor())
    click.echo(f"Client {row.client_id} ({row.client_type}) is registered.")
    if secret is not None:
        click.echo(f"Client secret, shown only now: {secret}")


@clients_cli.command("show")
@click.argument("client_id")
def clients_show(client_id: str) -> None:
    """Print a client's settings as JSON (never its secret)."""
    from idp.clients.admin import client_view, get_client
    from idp.runtime import runtime

    with _client_change():
        row = get_client(client_id)
    view = client_view(row, clock=runtime().clock)
    click.echo(json.dumps(view, indent=2, ensure_ascii=False))


@clients_cli.command("rotate-secret")
@click.argument("client_id")
def clients_rotate_secret(client_id: str) -> None:
    """Give a client a new secret (printed once); the old one works during the grace period
    (IDP_CLIENT_SECRET_GRACE)."""
    from idp.clients.admin import ClientChanges, client_view, get_client
    from idp.runtime import runtime

    rt = runtime()
    with _client_change():
        secret = ClientChanges.of(rt).rotate_secret(client_id, cli_actor())
    view = client_view(get_client(client_id), clock=rt.clock)
    click.echo(f"New client secret of {client_id}, shown only now: {secret}")
    click.echo(f"The previous secret works until {view['secret_rotation_grace_until']}.")


@clients_cli.command("disable")
@click.argument("client_id")
@click.option("--enable", is_flag=True, help="Enable the client again instead.")
def clients_disable(client_id: str, enable: bool) -> None:
    """Disable a client (nobody signs in to it, its tokens cannot be refreshed)."""
    from idp.clients.admin import ClientChanges
    from idp.runtime import runtime

    with _client_change():
        ClientChanges.of(runtime()).set_disabled(client_id, not enable, cli_actor())
    click.echo(f"Client {client_id} is {'enabled' if enable else 'disabled'}.")


@clients_cli.command("remove")
@click.argument("client_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def clients_remove(client_id: str, yes: bool) -> None:
    """Delete a client with its refresh tokens and consents."""
    from idp.clients.admin import ClientChanges, editable_client
    from idp.runtime import runtime

    with _client_change():
        editable_client(client_id)  # not found or read-only: say so before asking
    if not yes and not click.confirm(
        f"Delete client {client_id} with its refresh tokens and consents?"
    ):
        click.echo("Nothing changed.", err=True)
        sys.exit(1)
    with _client_change():
        ClientChanges.of(runtime()).delete_client(client_id, cli_actor())
    click.echo(f"Client {client_id} is deleted.")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Promote the published next key to signing; keep the old one published until every
    token it signed has expired."""
    from idp.clients.registry import longest_token_lifetime
    from idp.runtime import runtime

    rt = runtime()
    rt.keys.ensure()
    promoted = rt.keys.rotate(
        publish_for=timedelta(seconds=longest_token_lifetime(rt.settings.tokens) + 60)
    )
    click.echo(f"Signing key is now {promoted.kid}; a new next key is published.")


def _member_or_exit(member_number: str) -> Member:
    """The member with this number, or exit 1 saying there is none."""
    from sqlalchemy import select

    from idp.db import db
    from idp.models import Member

    member = db.session.scalars(
        select(Member).filter_by(member_number=member_number.strip())
    ).one_or_none()
    if member is None:
        click.echo(f"Error: no member {member_number}.", err=True)
        sys.exit(1)
    return member


@accounts_cli.command("unlock")
@click.argument("member_number")
def accounts_unlock(member_number: str) -> None:
    """Lift a member's sign-in lock now (an adviser on the phone with the member)."""
    from idp.db import db
    from idp.runtime import runtime
    from idp.throttling.lockout import unlock

    member = _member_or_exit(member_number)
    if unlock(member, by="adviser", redis=runtime().redis):
        db.session.commit()
        click.echo(f"Member {member_number} is unlocked.")
    else:
        click.echo(f"Member {member_number} was not locked.")


@accounts_cli.command("sign-out")
@click.argument("member_number", required=False)
@click.option("--all", "everyone", is_flag=True, help="Sign every member out.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (with --all).")
def accounts_sign_out(member_number: str | None, everyone: bool, yes: bool) -> None:
    """End a member's sessions and refresh tokens everywhere, or every member's (--all);
    the portals are told by back-channel logout."""
    from idp.admin.support import end_everyones_sessions, end_sessions
    from idp.db import db
    from idp.logout.sign_out import SignOut
    from idp.runtime import runtime

    if everyone == (member_number is not None):
        raise click.UsageError("Give a member number or --all, not both.")
    if everyone:
        if not yes and not click.confirm("Sign every member out of every session and application?"):
            click.echo("Nothing changed.", err=True)
            sys.exit(1)
        done = end_everyones_sessions(cli_actor(), sign_out=SignOut.of(runtime()))
        click.echo(
            f"{_count(done.members, 'member', 'members')} signed out: "
            f"{_ended(done.sessions, done.token_families)}."
        )
        return
    assert member_number is not None
    member = _member_or_exit(member_number)
    signed_out = end_sessions(member, cli_actor(), sign_out=SignOut.of(runtime()))
    db.session.commit()
    click.echo(
        f"Member {member_number} is signed out: "
        f"{_ended(signed_out.sessions, signed_out.token_families)}."
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ended(sessions: int, families: int) -> str:
    return (
        f"{_count(sessions, 'session', 'sessions')} ended, "
        f"{_count(families, 'refresh-token family', 'refresh-token families')} revoked"
    )


@click.command("check-config")
def check_config() -> None:
    """Validate settings and clients.yaml; exit 1 with the reason when they cannot work."""
    from idp.clients.schema import load_clients_file
    from idp.runtime import runtime

    settings = runtime().settings
    try:
        load_clients_file(Path(settings.clients_file), settings)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    for note in settings.warnings():
        click.echo(f"Warning: {note}", err=True)
    click.echo("Configuration is valid.")


@dev_cli.command("bootstrap")
def dev_bootstrap() -> None:
    """Prepare a development instance: schema, keys, clients, demo members and password."""
    from idp.accounts.directory import ensure_demo_member, import_members
    from idp.clients.sync import sync_clients
    from idp.config import PROJECT_ROOT
    from idp.db import db
    from idp.migrate import upgrade
    from idp.runtime import runtime

    rt = runtime()
    if rt.settings.server.production:
        click.echo("Error: `idp dev bootstrap` is for development only.", err=True)
        sys.exit(1)
    upgrade(db.engine)
    rt.keys.ensure()
    sync_clients(Path(rt.settings.clients_file), settings=rt.settings, redis=rt.redis)
    report = import_members(PROJECT_ROOT / "examples" / "members.csv")
    ensure_demo_member(passwords=rt.passwords)
    click.echo(
        f"Development instance ready: {report.created + report.updated + report.unchanged} "
        "members; demo member 100000001 / Correct-Horse-42."
    )


# --- staff (console accounts) --------------------------------------------------------------


def _setup_url(token: str) -> str:
    from urllib.parse import urlencode

    from idp.runtime import runtime

    return f"{runtime().settings.server.issuer}/admin/setup?{urlencode({'token': token})}"


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "support"]), required=True,
              help="admin: everything; support: member actions and the audit log.")  # fmt: skip
def staff_create(email: str, role: str) -> None:
    """Create a console account and print its one-time setup link (valid 24 hours)."""
    from idp.admin.staff import StaffAccounts, StaffRejected
    from idp.runtime import runtime

    try:
        staff, token = StaffAccounts.of(runtime()).create_staff(email, role)
    except StaffRejected as error:
        click.echo(f"Error: {error.detail}", err=True)
        sys.exit(1)
    click.echo(f"Console account {staff.email} ({staff.role}) created.")
    click.echo("Give this one-time setup link to its owner only (valid 24 hours):")
    click.echo(_setup_url(token))


@staff_cli.command("reset")
@click.argument("email")
def staff_reset(email: str) -> None:
    """Wipe the password and second factors of an account and print a new setup link."""
    from idp.admin.staff import StaffAccounts, StaffRejected
    from idp.runtime import runtime

    try:
        staff, token = StaffAccounts.of(runtime()).reset_staff(email)
    except StaffRejected as error:
        click.echo(f"Error: {error.detail}", err=True)
        sys.exit(1)
    click.echo(f"Console account {staff.email}: password and second factors removed.")
    click.echo("New one-time setup link (valid 24 hours):")
    click.echo(_setup_url(token))


@staff_cli.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
def staff_disable(email: str, enable: bool) -> None:
    """Refuse (or allow again) an account's sign-in; its open console sessions end."""
    from idp.admin.staff import StaffRejected, set_staff_disabled

    try:
        staff = set_staff_disabled(email, not enable)
    except StaffRejected as error:
        click.echo(f"Error: {error.detail}", err=True)
        sys.exit(1)
    click.echo(f"Console account {staff.email} is {'enabled' if enable else 'disabled'}.")


@staff_cli.command("list")
def staff_list() -> None:
    """The console accounts, their role and state."""
    from idp.admin.staff import can_sign_in, list_staff

    for staff in list_staff():
        state = "disabled" if staff.disabled else "ready" if can_sign_in(staff) else "setup pending"
        last = staff.last_sign_in_at.isoformat(timespec="minutes") if staff.last_sign_in_at else "-"
        click.echo(f"{staff.email}\t{staff.role}\t{state}\tlast sign-in {last}")


# --- audit log ---------------------------------------------------------------------------------


def _iso_option(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO 8601 time", param_hint=name) from None


@click.group("audit", cls=AppGroup, invoke_without_command=True)
@click.option("--family", "family_id", metavar="ID",
              help="Print the life of this refresh-token family, oldest event first.")  # fmt: skip
@click.pass_context
def audit_cli(ctx: click.Context, family_id: str | None) -> None:
    """The audit log."""
    if ctx.invoked_subcommand is not None:
        if family_id is not None:
            raise click.UsageError("--family is used without a subcommand.")
        return
    if family_id is None:
        click.echo(ctx.get_help())
        return
    from flask.cli import ScriptInfo

    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        _print_family(family_id)


def _print_family(family_id: str) -> None:
    """One line per event: time, event, client, member, sid, reason."""
    from idp.admin.audit_log import family_events, iso

    entries = family_events(family_id)
    if not entries:
        click.echo(f"No audit event names the token family {family_id}.", err=True)
        sys.exit(1)
    for e in entries:
        member = e.member_number or (str(e.member_id) if e.member_id is not None else "-")
        fields = (iso(e.at), e.event, e.client_id or "-", member,
                  e.detail.get("sid") or "-", e.detail.get("reason") or "-")  # fmt: skip
        click.echo("  ".join(str(f) for f in fields))


@audit_cli.command("export")
@click.option("--member", "member_number", help="Events of this member number.")
@click.option("--client", "client_id", help="Events of this client.")
@click.option("--event", help="Event type, exact or a prefix ending with * ('login.*').")
@click.option("--actor", help="Who acted: client:<id> or staff:<email>.")
@click.option("--since", help="From this time (ISO 8601, UTC unless an offset is given).")
@click.option("--until", help="Until this time (ISO 8601), excluded.")
def audit_export(
    member_number: str | None, client_id: str | None, event: str | None, actor: str | None,
    since: str | None, until: str | None,
) -> None:  # fmt: skip
    """Write matching audit events to stdout as JSON lines, newest first."""
    from idp.admin.audit_log import Filters, iter_events, json_lines

    filters = Filters(member_number, client_id, event, actor,
                      _iso_option("--since", since), _iso_option("--until", until))  # fmt: skip
    for line in json_lines(iter_events(filters)):
        click.echo(line, nl=False)


@audit_cli.command("purge")
def audit_purge() -> None:
    """Delete audit events older than IDP_AUDIT_RETENTION_DAYS (run it daily, e.g. from cron)."""
    from idp.admin.audit_log import AuditRetention
    from idp.runtime import runtime

    retention = AuditRetention.of(runtime())
    deleted = retention.purge_expired()
    days = retention.days
    click.echo(f"Deleted {deleted} audit event(s) older than {days} days.")

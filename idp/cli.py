"""The ``idp`` command (also ``flask --app idp …``), DESIGN §6."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from idp.errors import ConfigError, ImportRejected

db_cli = AppGroup("db", help="Database schema.")
members_cli = AppGroup("members", help="The member directory.")
clients_cli = AppGroup("clients", help="OAuth clients (relying parties).")
keys_cli = AppGroup("keys", help="Token signing keys.")
dev_cli = AppGroup("dev", help="Development helpers (refused in production).")
accounts_cli = AppGroup("accounts", help="Member accounts (advisers' actions).")
staff_cli = AppGroup("staff", help="Console staff accounts (admins and advisers).")
audit_cli = AppGroup("audit", help="The audit log.")


def init_app(app: Flask) -> None:
    groups = (db_cli, members_cli, clients_cli, keys_cli, dev_cli, accounts_cli, staff_cli,
              audit_cli)  # fmt: skip
    for group in groups:
        app.cli.add_command(group)
    from idp.notifications.outbox_page import outbox_command

    app.cli.add_command(outbox_command)
    app.cli.add_command(check_config)
    app.cli.add_command(serve)


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


@clients_cli.command("sync")
@click.argument("clients_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def clients_sync(clients_file: Path | None) -> None:
    """Load clients.yaml (or the given file) into the database."""
    from idp.clients.sync import sync_clients
    from idp.runtime import runtime

    path = clients_file or Path(runtime().settings.clients_file)
    try:
        report = sync_clients(path)
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


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Promote the published next key to signing; keep the old one published until every
    token it signed has expired."""
    from idp.clients.registry import longest_token_lifetime
    from idp.runtime import runtime

    rt = runtime()
    rt.keys.ensure()
    promoted = rt.keys.rotate(publish_for=timedelta(seconds=longest_token_lifetime() + 60))
    click.echo(f"Signing key is now {promoted.kid}; a new next key is published.")


@accounts_cli.command("unlock")
@click.argument("member_number")
def accounts_unlock(member_number: str) -> None:
    """Lift a member's sign-in lock now (an adviser on the phone with the member)."""
    from sqlalchemy import select

    from idp.db import db
    from idp.models import Member
    from idp.throttling.lockout import unlock

    member = db.session.scalars(
        select(Member).filter_by(member_number=member_number.strip())
    ).one_or_none()
    if member is None:
        click.echo(f"Error: no member {member_number}.", err=True)
        sys.exit(1)
    if unlock(member, by="adviser"):
        db.session.commit()
        click.echo(f"Member {member_number} is unlocked.")
    else:
        click.echo(f"Member {member_number} was not locked.")


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


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
def serve(bind: str) -> None:
    """Serve with gunicorn (one worker when Redis is embedded)."""
    from idp.serve import run

    run(bind)


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
    sync_clients(Path(rt.settings.clients_file))
    report = import_members(PROJECT_ROOT / "examples" / "members.csv")
    ensure_demo_member()
    click.echo(
        f"Development instance ready: {report.created + report.updated + report.unchanged} "
        "members; demo member 100000001 / Correct-Horse-42."
    )


# --- staff (console accounts) --------------------------------------------------------------


# --- audit log ---------------------------------------------------------------------------------


def main() -> None:
    """Entry point of the ``idp`` console script."""
    from idp import create_app

    def factory() -> Flask:
        try:
            return create_app()
        except ConfigError as error:
            click.echo(f"Configuration error: {error}", err=True)
            sys.exit(2)

    FlaskGroup(create_app=factory, add_default_commands=False, help=__doc__)()

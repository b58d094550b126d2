"""The outboxes, seen by a person.

The development outbox (messages kept instead of sent): ``GET /dev/outbox`` and
``idp outbox``, both only outside production (404 and exit status 1 there). Links found in a
message's text are made clickable, so that a developer can follow an activation or reset link.

The durable outbox (``mail_queue.py``), for operators in every environment:
``idp outbox --pending`` and ``idp outbox --failed`` list its mails (id, purpose, masked
recipient, attempts, next attempt, last error; never the body, which holds the link), and
``idp outbox retry ID… | --all`` puts failed ones back in the queue.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime

import click
from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from idp import audit
from idp.db import db
from idp.models import OutboxMessage, QueuedLogout, QueuedMail
from idp.notifications import outbox_status, queued_mail
from idp.notifications.masking import mask_email
from idp.notifications.outbox import latest
from idp.runtime import runtime

bp = Blueprint("outbox", __name__)
PAGE_SIZE = 50
LINK = re.compile(r"https?://[^\s<>\"'()]+")


@dataclass(frozen=True)
class OutboxEntry:
    message: OutboxMessage
    links: list[str]


def links_in(text: str) -> list[str]:
    """The http(s) links of a text, in order, without duplicates or trailing punctuation."""
    found: list[str] = []
    for match in LINK.finditer(text):
        url = match.group().rstrip(".,;:!?»")
        if url not in found:
            found.append(url)
    return found


@bp.get("/dev/outbox")
def outbox_page() -> str:
    """The latest outbox messages, newest first; ``?to=`` keeps one recipient's."""
    if runtime().settings.server.production:
        abort(404)
    recipient = request.args.get("to", "").strip()
    entries = [OutboxEntry(m, links_in(m.text)) for m in latest(recipient or None, PAGE_SIZE)]
    return render_template("dev/outbox.html", entries=entries, recipient=recipient)


@click.group("outbox", invoke_without_command=True)
@click.option("--to", "recipient", default=None, help="Only messages to this address or phone.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--pending", is_flag=True, help="List the e-mails waiting to be sent.")
@click.option("--failed", is_flag=True, help="List the e-mails given up (see 'retry').")
@click.option("--logouts", is_flag=True, help="List the back-channel logouts owed to portals.")
@click.pass_context
def outbox_command(
    ctx: click.Context, recipient: str | None, limit: int, pending: bool, failed: bool,
    logouts: bool,
) -> None:  # fmt: skip
    """Print the latest messages of the development outbox, newest first; with --pending or
    --failed, the e-mails of the durable outbox in that state; with --logouts, the
    back-channel logout tokens waiting to be delivered."""
    if ctx.invoked_subcommand is not None:
        return
    if logouts:
        _print_logouts(limit)
        if not (pending or failed):
            return
    wanted = ((queued_mail.PENDING, pending), (queued_mail.FAILED, failed))
    statuses = [status for status, asked in wanted if asked]
    if statuses:
        for status in statuses:
            _print_queue(status, limit)
        return
    if runtime().settings.server.production:
        click.echo("Error: the outbox is for development only.", err=True)
        sys.exit(1)
    messages = latest(recipient, limit)
    if not messages:
        click.echo("The outbox is empty.")
        return
    for m in messages:
        click.echo(f"=== {_when(m.at)}  {m.channel}  to {m.recipient}  [{m.purpose}]")
        if m.subject:
            click.echo(f"Subject: {m.subject}")
        click.echo("")
        click.echo(m.text.rstrip())
        click.echo("")


@outbox_command.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every failed e-mail.")
def retry_command(ids: tuple[int, ...], every: bool) -> None:
    """Send failed e-mails again (attempts start over)."""

    if not ids and not every:
        click.echo("Error: name the e-mails to retry (their ids) or use --all.", err=True)
        sys.exit(1)
    count = outbox_status.retry_failed(
        None if every else list(ids), audit.cli_actor(), clock=runtime().clock
    )
    db.session.commit()
    click.echo(f"{count} e-mail(s) queued again.")
    if ids and count < len(ids):
        click.echo("Only failed e-mails can be retried; the others were left as they are.")


def _print_queue(status: str, limit: int) -> None:
    found = outbox_status.mails(status, limit)
    total = outbox_status.count(status)
    title = "waiting to be sent" if status == queued_mail.PENDING else "given up"
    shown = f", the first {len(found)}" if total > len(found) else ""
    click.echo(f"{total} e-mail(s) {title}{shown}" + (":" if found else "."))
    for mail in found:
        click.echo(_queue_line(mail))


def _print_logouts(limit: int) -> None:
    """Back-channel logouts owed (``idp/logout/queue.py``): never the member's identifier."""
    rows = db.session.scalars(
        select(QueuedLogout).order_by(QueuedLogout.next_attempt_at).limit(limit)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(QueuedLogout)) or 0
    shown = f", the first {len(rows)}" if total > len(rows) else ""
    click.echo(f"{total} back-channel logout(s) waiting{shown}" + (":" if rows else "."))
    for row in rows:
        due, queued = _when(row.next_attempt_at), _when(row.created_at)
        click.echo(f"#{row.id}  to {row.client_id}  attempts {row.attempts}  next {due}  "
                   f"queued {queued}")  # fmt: skip


def _queue_line(mail: QueuedMail) -> str:
    if mail.status == queued_mail.FAILED:
        due = "no more attempts"
    elif mail.status == queued_mail.SENDING:
        due = "sending now"
    else:
        due = f"next {_when(mail.next_attempt_at)}"
    error = f"  last error: {mail.last_error}" if mail.last_error else ""
    return (
        f"#{mail.id}  {mail.status}  {mail.purpose}  to {mask_email(mail.recipient)}  "
        f"attempts {mail.attempts}  {due}{error}"
    )


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")

"""The development outbox, seen by a person: ``GET /dev/outbox`` and ``idp outbox``.

Both exist only outside production (404 and exit status 1 there). Links found in a message's
text are made clickable, so that a developer can follow an activation or reset link.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime

import click
from flask import Blueprint, abort, render_template, request

from idp.models import OutboxMessage
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


@click.command("outbox")
@click.option("--to", "recipient", default=None, help="Only messages to this address or phone.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
def outbox_command(recipient: str | None, limit: int) -> None:
    """Print the latest messages of the development outbox, newest first."""
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


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")

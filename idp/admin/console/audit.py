"""The audit log page (``/admin/audit``): search by member number, client, event type (exact,
or a prefix ending with ``*``), actor and dates, newest first, 50 a page ("older events"
continues after the last one shown). Dates are days in ``IDP_TIMEZONE``, both included."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from flask import render_template, request

from idp.admin.audit_log import MAX_ID, search_events
from idp.admin.console.blueprint import STAFF, bp, staff_page
from idp.runtime import runtime
from idp.text import has_control_characters, is_ascii_number
from idp.throttling.lockout import local_time

PAGE_SIZE = 50
FILTERS = ("member", "client", "event", "actor", "since", "until")


def _day_start(text: str, timezone: str, *, next_day: bool = False) -> datetime | None:
    """Midnight (in ``timezone``) starting that day, or the day after it, as an aware time."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    if next_day:
        day += timedelta(days=1)
    zone = local_time(datetime(2000, 1, 1), timezone).tzinfo  # or UTC when unknown
    return datetime.combine(day, time(), tzinfo=zone)


@bp.get("/audit")
@staff_page(STAFF)
def audit() -> str:
    values = {name: request.args.get(name, "").strip()[:200] for name in FILTERS}
    timezone = runtime().settings.brand.timezone
    errors = [
        name
        for name in ("since", "until")
        if values[name] and _day_start(values[name], timezone) is None
    ]
    # A filter with a control character matches no event: said, and left out of the search.
    unusable = [name for name in FILTERS if has_control_characters(values[name])]
    for name in unusable:
        values[name] = ""
    before = request.args.get("before", "")
    before = before if is_ascii_number(before) and int(before) <= MAX_ID else ""
    page = search_events(
        member_number=values["member"] or None,
        client_id=values["client"] or None,
        event=values["event"] or None,
        actor=values["actor"] or None,
        since=_day_start(values["since"], timezone) if values["since"] else None,
        until=_day_start(values["until"], timezone, next_day=True) if values["until"] else None,
        limit=PAGE_SIZE,
        before_id=int(before) if before else None,
    )
    rows = [
        {"entry": e, "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True)}
        for e in page.entries
    ]
    return render_template("admin/audit.html", section="audit", values=values, rows=rows,
                           next_before=page.next_before_id, paged=bool(before),
                           errors=errors, unusable=unusable)  # fmt: skip

"""One unit of work per request (idp/web/unit_of_work.py), as the database sees it after each
answer: an answer below 400 keeps what the request wrote; a refusal or a raised domain error
keeps only its audit events; a 5xx keeps nothing; a commit that fails is a 500 that keeps
nothing either. Probed with routes added to a test app, writing a real member row and audit
events, read back from another connection."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from idp import audit
from idp.db import db
from idp.errors import IdPError
from idp.models import AuditEvent, Member


class Refused(IdPError):
    message = "error.generic"


def _member(number: str) -> Member:
    return Member(member_number=number, first_name="Test", last_name="Unit",
                  birth_date=date(1980, 1, 1), contracts="health")  # fmt: skip


@pytest.fixture
def probe(app: Flask, database_url: str):
    def write(number: str, event: str) -> None:
        db.session.add(_member(number))
        audit.record(event)

    def ok() -> tuple[str, int]:
        write("910000001", "probe.ok")
        return "ok", 200

    def refused() -> tuple[str, int]:
        write("910000002", "probe.refused")
        return "no", 403

    def raises() -> str:
        write("910000003", "probe.raised")
        raise Refused()

    def crashes() -> str:
        write("910000004", "probe.crashed")
        raise RuntimeError("a bug")

    def bad_commit() -> tuple[str, int]:
        write("910000005", "probe.bad_commit")
        db.session.add(_member("910000005"))  # the same number twice: refused at commit
        return "ok", 200

    for view in (ok, refused, raises, crashes, bad_commit):
        app.add_url_rule(f"/probe/{view.__name__}", view.__name__, view)
    engine = create_engine(database_url)

    def written() -> tuple[set[str], set[str]]:
        with engine.connect() as conn:
            numbers = set(conn.scalars(select(Member.member_number).where(
                Member.member_number.like("91000000%"))))  # fmt: skip
            events = set(conn.scalars(select(AuditEvent.event).where(
                AuditEvent.event.like("probe.%"))))  # fmt: skip
        return numbers, events

    yield app.test_client(), written
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM members WHERE member_number LIKE '91000000%'"))
        conn.execute(text("DELETE FROM audit_events WHERE event LIKE 'probe.%'"))
    engine.dispose()


def test_each_kind_of_answer_keeps_what_it_should(probe):
    client, written = probe
    assert client.get("/probe/ok").status_code == 200
    assert written() == ({"910000001"}, {"probe.ok"})

    assert client.get("/probe/refused").status_code == 403
    assert written() == ({"910000001"}, {"probe.ok", "probe.refused"})

    assert client.get("/probe/raises").status_code == 400
    assert written() == ({"910000001"}, {"probe.ok", "probe.refused", "probe.raised"})

    crashed = client.get("/probe/crashes")
    assert crashed.status_code == 500 and "a bug" not in crashed.get_data(as_text=True)
    assert written() == ({"910000001"}, {"probe.ok", "probe.refused", "probe.raised"})

    failed = client.get("/probe/bad_commit")
    assert failed.status_code == 500
    assert written() == ({"910000001"}, {"probe.ok", "probe.refused", "probe.raised"})
    # The session is usable again for the next request.
    assert client.get("/probe/refused").status_code == 403
    assert written() == ({"910000001"}, {"probe.ok", "probe.refused", "probe.raised"})

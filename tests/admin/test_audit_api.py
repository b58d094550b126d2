"""The audit log through the admin API and the ``idp audit`` commands (issue 7 §6): search by
member, client, event type, actor and time range, pages, JSON-lines export, retention."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from idp.admin import audit_log
from idp.db import db, utcnow
from idp.models import AuditEvent, Member
from idp.runtime import runtime
from tests.actors import DEMO_NUMBER, Browser, RelyingParty, sign_in_tokens
from tests.admin.service_caller import SUPPORT_ACTOR, AdminApi, database, events_named, provider
from tests.conftest import LiveServer

OTHER_NUMBER = "200000001"


@pytest.fixture
def site(database_url: str) -> Iterator[LiveServer]:
    with provider(database_url) as served:
        yield served


@pytest.fixture
def api(site: LiveServer) -> AdminApi:
    return AdminApi.as_service(site)


@pytest.fixture
def story(site: LiveServer) -> dict[str, int]:
    """A few days of one member's events (and another's), at known times; name → id."""
    now = utcnow()
    with database(site.app):
        demo = db.session.scalars(select(Member.id).filter_by(member_number=DEMO_NUMBER)).one()
        other = Member(member_number=OTHER_NUMBER, last_name="Petit", first_name="Léa",
                       birth_date=now.date() - timedelta(days=9000))  # fmt: skip
        db.session.add(other)
        db.session.flush()
        day = timedelta(days=1)
        rows = {
            "failed": ("login.password_failed", demo, "health-portal", None, now - 3 * day),
            "verified": ("login.password_verified", demo, "health-portal", None, now - 2 * day),
            "otp": ("otp.verified", demo, "provident-portal", None, now - day),
            "unlocked": ("account.unlocked", demo, None, SUPPORT_ACTOR, now - day / 24),
            "other": ("login.password_failed", other.id, "health-portal", None, now - day / 48),
        }
        ids = {}
        for name, (event, member_id, client_id, actor, at) in rows.items():
            row = AuditEvent(event=event, member_id=member_id, client_id=client_id, actor=actor,
                             at=at, ip="192.0.2.7", detail={"story": name})  # fmt: skip
            db.session.add(row)
            db.session.flush()
            ids[name] = row.id
        db.session.commit()
    return ids


def story_of(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [e["detail"].get("story") for e in answer.json()["events"]]


def test_filters(site, api, story):
    assert story_of(api.get("/audit", member_number=DEMO_NUMBER)) == [
        "unlocked", "otp", "verified", "failed",
    ]  # fmt: skip
    assert story_of(api.get("/audit", member_number=OTHER_NUMBER)) == ["other"]
    assert story_of(api.get("/audit", member_number="999999999")) == []
    assert story_of(api.get("/audit", client_id="health-portal")) == [
        "other", "verified", "failed",
    ]  # fmt: skip
    assert story_of(api.get("/audit", event="login.password_failed")) == ["other", "failed"]
    assert story_of(api.get("/audit", event="login.*", member_number=DEMO_NUMBER)) == [
        "verified", "failed",
    ]  # fmt: skip
    assert story_of(api.get("/audit", event="login")) == []  # exact unless it ends with *
    assert story_of(api.get("/audit", actor=SUPPORT_ACTOR)) == ["unlocked"]

    now = utcnow()
    since = (now - timedelta(days=2, hours=1)).isoformat()
    until = (now - timedelta(hours=12)).isoformat() + "+00:00"
    assert story_of(api.get("/audit", member_number=DEMO_NUMBER, since=since, until=until)) == [
        "otp", "verified",
    ]  # fmt: skip
    paris = (now - timedelta(hours=1, minutes=5)).replace(microsecond=0) + timedelta(hours=1)
    since_paris = paris.isoformat() + "+01:00"  # the same moment, written in Paris winter time
    assert story_of(api.get("/audit", since=since_paris, member_number=DEMO_NUMBER)) == ["unlocked"]


def test_the_view_of_an_event(site, api, story):
    [event] = api.get("/audit", member_number=OTHER_NUMBER).json()["events"]
    assert set(event) == {
        "id", "at", "event", "member_number", "client_id", "actor", "ip", "detail",
    }  # fmt: skip
    assert event["id"] == story["other"] and event["member_number"] == OTHER_NUMBER
    assert event["at"].endswith("Z") and event["ip"] == "192.0.2.7"
    assert (event["event"], event["client_id"]) == ("login.password_failed", "health-portal")


def test_pages_newest_first(site, api, story):
    first = api.get("/audit", member_number=DEMO_NUMBER, limit=3).json()
    assert [e["id"] for e in first["events"]] == [story[n] for n in ("unlocked", "otp", "verified")]
    assert first["next_before_id"] == story["verified"]
    second = api.get("/audit", member_number=DEMO_NUMBER, limit=3,
                     before_id=first["next_before_id"]).json()  # fmt: skip
    assert [e["id"] for e in second["events"]] == [story["failed"]]
    assert second["next_before_id"] is None
    exactly = api.get("/audit", member_number=DEMO_NUMBER, limit=4).json()
    assert len(exactly["events"]) == 4 and exactly["next_before_id"] is None


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-13-01"}, "until"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"before_id": "-4"}, "before_id"),
        ({"member": DEMO_NUMBER}, "member"),
        ({"event": "log*in"}, "event"),
    ],
)
def test_bad_parameters_are_named(site, api, params, named):
    answer = api.get("/audit", **params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["message"].startswith(named)


def test_who_may_read_the_log(site):
    assert AdminApi(f"{site.url}/admin/api", None).get("/audit").status_code == 401
    member_token = sign_in_tokens(Browser(site.url), RelyingParty(site.url, "health-portal"))
    as_member = AdminApi(f"{site.url}/admin/api", member_token["access_token"])
    assert as_member.get("/audit").status_code == 403
    assert as_member.get("/audit/export").status_code == 403


def test_export_as_json_lines(site, api, story):
    answer = api.get("/audit/export", client_id="health-portal")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/x-ndjson"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.text.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["id"] for e in events] == [story[n] for n in ("other", "verified", "failed")]
    assert answer.text.endswith("\n")
    [exported] = events_named(site.app, "audit.exported")
    assert exported.actor == SUPPORT_ACTOR
    assert exported.detail["filters"] == {"client_id": "health-portal"}

    everything = api.get("/audit/export").text.splitlines()
    with database(site.app):
        assert len(everything) == db.session.scalar(select(func.count(AuditEvent.id)))
    assert api.get("/audit/export", limit="3").status_code == 400  # no pages in an export


def test_export_in_many_batches(site, api, story):
    base = utcnow() - timedelta(days=30)
    with database(site.app):
        rows = [{"event": "bulk.event", "at": base, "detail": {"n": n}} for n in range(1200)]
        db.session.execute(insert(AuditEvent), rows)
        db.session.commit()
    lines = api.get("/audit/export", event="bulk.*").text.splitlines()
    numbers = [json.loads(line)["detail"]["n"] for line in lines]
    assert numbers == list(reversed(range(1200)))


# --- retention and the command line ----------------------------------------------------------


def add_aged(days: float, count: int = 1) -> None:
    at = runtime().clock.now() - timedelta(days=days)
    rows = [{"event": f"aged.{days}", "at": at, "detail": {}} for _ in range(count)]
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def aged_left() -> dict[str, int]:
    query = select(AuditEvent.event, func.count()).where(AuditEvent.event.like("aged.%"))
    return {event: count for event, count in db.session.execute(query.group_by(AuditEvent.event))}


def test_purge_deletes_only_events_past_retention(app):
    assert runtime().settings.admin.audit_retention_days == 400
    add_aged(401, count=2500)  # several batches
    add_aged(399)
    retention = audit_log.AuditRetention.of(runtime())
    assert retention.purge_expired() == 2500
    assert aged_left() == {"aged.399": 1}
    later = runtime().clock.now() + timedelta(days=2)
    assert retention.purge_expired(now=later) == 1


def test_idp_audit_purge_command(app):
    add_aged(500)
    add_aged(10)
    result = app.test_cli_runner().invoke(args=["audit", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "Deleted 1 audit event(s) older than 400 days.\n"
    assert aged_left() == {"aged.10": 1}


def test_automatic_purge_once_an_hour_across_instances(app):
    add_aged(401)
    retention = audit_log.AuditRetention.of(runtime(app))
    assert retention.purge_if_due(app) is True
    assert aged_left() == {}
    add_aged(402)
    assert retention.purge_if_due(app) is False  # another instance, or this one, just did
    assert aged_left() == {"aged.402": 1}


def test_the_purge_runs_after_a_response_when_due(app, client):
    add_aged(401)
    client.get("/healthz").close()
    assert aged_left() == {}
    add_aged(401)
    client.get("/healthz").close()  # this process looks again only an hour later
    assert aged_left() == {"aged.401": 1}


def test_idp_audit_export_command(app):
    member = Member(member_number=OTHER_NUMBER, last_name="Petit", first_name="Léa",
                    birth_date=utcnow().date() - timedelta(days=9000))  # fmt: skip
    db.session.add(member)
    db.session.flush()
    at = utcnow() - timedelta(hours=2)
    for event, client_id in (("otp.failed", "health-portal"), ("otp.verified", "mobile-app")):
        db.session.add(AuditEvent(event=event, member_id=member.id, client_id=client_id, at=at))
    db.session.add(AuditEvent(event="otp.failed", client_id="health-portal", at=at))
    db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "export", "--member", OTHER_NUMBER, "--event", "otp.*"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(e["event"], e["client_id"]) for e in lines] == [
        ("otp.verified", "mobile-app"), ("otp.failed", "health-portal"),
    ]  # fmt: skip
    assert all(e["member_number"] == OTHER_NUMBER for e in lines)

    since = (utcnow() - timedelta(hours=1)).isoformat()
    assert (
        runner.invoke(args=["audit", "export", "--since", since, "--event", "otp.*"]).output == ""
    )
    bad = runner.invoke(args=["audit", "export", "--until", "soon"])
    assert bad.exit_code == 2 and "--until" in bad.output

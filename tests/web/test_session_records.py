"""The one session mechanism of members and staff (``web/session_records.py``): the same
store, their policies as configuration, on the app's own Redis."""

from __future__ import annotations

import json
import time

from idp.admin.console.session import PASSWORD, SIGNED_IN, ConsoleSessions
from idp.runtime import runtime
from idp.sso import SsoSessions
from idp.web.session_records import Lifetime


def test_a_session_ends_at_its_idle_time_or_its_absolute_end_whichever_comes_first():
    lifetime = Lifetime(idle=1800, absolute=8 * 3600)
    assert lifetime.remaining(created_at=1000, now=1000) == 1800
    assert lifetime.remaining(created_at=1000, now=1000 + 8 * 3600 - 60) == 60
    assert lifetime.remaining(created_at=1000, now=1000 + 8 * 3600) == 0


def test_members_and_staff_keep_their_own_lifetimes_and_key_policies(app):
    with app.app_context():
        rt = runtime()
        member = SsoSessions.of(rt).create(7, ["pwd", "otp"], "urn:idp:acr:mfa", int(time.time()))
        console = ConsoleSessions.of(rt)
        staff = console.promote(console.start(3))
        member_key = SsoSessions.of(rt).records.key(member.sid)
        staff_key = console.records.key(staff.sid)
        # A member's key names the session id; the console's only a digest of it.
        assert member.sid in member_key and staff.sid not in staff_key
        assert not any(staff.sid in k.decode() for k in rt.redis.keys("*"))
        assert 0 < rt.redis.ttl(member_key) <= rt.settings.session.idle_ttl
        assert 0 < rt.redis.ttl(staff_key) <= rt.settings.admin.staff_session_idle
        assert console.load(staff.sid).stage == SIGNED_IN  # type: ignore[union-attr]


def test_a_pending_console_session_lasts_five_minutes_whatever_the_idle_time(app):
    with app.app_context():
        console = ConsoleSessions.of(runtime())
        pending = console.start(3, "/admin/clients")
        assert pending.stage == PASSWORD
        assert 0 < runtime().redis.ttl(console.records.key(pending.sid)) <= 300
        # Once signed in, the pending id is worth nothing.
        console.promote(pending)
        assert console.load(pending.sid) is None


def test_a_record_written_by_a_newer_instance_is_read_without_its_new_fields(app):
    with app.app_context():
        rt = runtime()
        sessions = SsoSessions.of(rt)
        session = sessions.create(7, ["pwd"], "urn:idp:acr:pwd", int(time.time()))
        key = sessions.records.key(session.sid)
        data = json.loads(rt.redis.get(key))
        rt.redis.set(key, json.dumps({**data, "risk_score": 3}), ex=60)
        loaded = sessions.load(session.sid)
        assert loaded is not None and loaded.public_sid == session.public_sid
        assert not hasattr(loaded, "risk_score")


def test_ids_that_are_no_session_of_ours_find_nothing(app):
    with app.app_context():
        rt = runtime()
        console = ConsoleSessions.of(rt)
        real = console.promote(console.start(3))
        for forged in (None, "", "x" * 65, real.sid + "x", real.sid[:-1]):
            assert console.load(forged) is None
            assert SsoSessions.of(rt).load(forged) is None
        console.end("x" * 65)  # an absurd cookie ends nothing and raises nothing
        assert console.load(real.sid) is not None

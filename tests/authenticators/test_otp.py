"""The one-time code store: 6 digits, only an HMAC in Redis, single use, bound to
one sign-in, a few attempts, a resend cooldown, expiry by the keys' TTL."""

from __future__ import annotations

import json
import re
import threading
import time as real_time
from dataclasses import replace

import pytest

from idp.authenticators import otp
from idp.runtime import runtime

SIGN_IN = "interaction-A"
OTHER_SIGN_IN = "interaction-B"
CODE = "493817"


class _Later:
    """Stands for the ``time`` module inside ``otp``: real time plus ``offset`` seconds."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def time(self) -> float:
        return real_time.time() + self.offset


def codes() -> otp.OneTimeCodes:
    """The store as a request builds it, from the app's settings and Redis."""
    return otp.OneTimeCodes.of(runtime())


def _all_redis_entries() -> dict[str, bytes]:
    r = runtime().redis
    entries = {}
    for raw_key in r.scan_iter("*"):
        if r.type(raw_key) == b"string":
            entries[raw_key.decode()] = r.get(raw_key) or b""
    return entries


def _otp_keys() -> list[str]:
    return sorted(k for k in _all_redis_entries() if k.startswith("idp:otp"))


def test_codes_are_six_digits_with_leading_zeros_possible(app):
    codes = [otp.new_code() for _ in range(300)]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(set(codes)) > 290  # random, not a sequence or a constant
    assert any(c.startswith("0") for c in [*codes, *(otp.new_code() for _ in range(3000))])


def test_only_a_keyed_hmac_is_kept_never_the_code(app):
    sent = codes().store(SIGN_IN, CODE, "sms")

    entries = _all_redis_entries()
    assert _otp_keys() == [f"idp:otp-meta:{SIGN_IN}", f"idp:otp:{SIGN_IN}"]
    for name, value in entries.items():
        assert CODE not in name
        if name == f"idp:otp-meta:{SIGN_IN}":
            meta = json.loads(value)
            assert meta == {
                "channel": "sms",
                "sent_at": sent.sent_at,
                "expires_at": sent.expires_at,
                "sent_by": {"sms": sent.sent_at},
            }
        else:
            assert CODE not in value.decode("utf-8", "replace")
    mac = entries[f"idp:otp:{SIGN_IN}"].decode()
    assert re.fullmatch(r"[0-9a-f]{64}", mac)
    # Keyed by the sign-in: the same code for another sign-in gives another value.
    codes().store(OTHER_SIGN_IN, CODE, "sms")
    assert runtime().redis.get(f"idp:otp:{OTHER_SIGN_IN}").decode() != mac


def test_a_code_works_once(app):
    codes().store(SIGN_IN, CODE, "email")
    assert codes().current(SIGN_IN) is not None

    codes().verify(SIGN_IN, CODE)

    with pytest.raises(otp.CodeUnusable):
        codes().verify(SIGN_IN, CODE)
    assert codes().current(SIGN_IN) is None
    assert _otp_keys() == [f"idp:otp-meta:{SIGN_IN}"]  # the meta expires with its TTL


def test_spaces_are_ignored_but_nothing_else(app):
    codes().store(SIGN_IN, CODE, "sms")
    with pytest.raises(otp.CodeRejected):
        codes().verify(SIGN_IN, "４９３８１７")  # full-width digits are not the code
    codes().verify(SIGN_IN, " 493 817 ")


def test_a_code_is_bound_to_its_sign_in(app):
    codes().store(SIGN_IN, CODE, "sms")
    with pytest.raises(otp.CodeUnusable):
        codes().verify(OTHER_SIGN_IN, CODE)  # no code was sent for that sign-in
    codes().store(OTHER_SIGN_IN, "111111", "sms")
    with pytest.raises(otp.CodeRejected):
        codes().verify(OTHER_SIGN_IN, CODE)
    codes().verify(SIGN_IN, CODE)


def test_three_wrong_tries_then_the_code_is_gone(app):
    assert runtime().settings.second_factor.max_attempts == 3
    codes().store(SIGN_IN, CODE, "sms")

    with pytest.raises(otp.CodeRejected) as first:
        codes().verify(SIGN_IN, "000000")
    with pytest.raises(otp.CodeRejected) as second:
        codes().verify(SIGN_IN, "12345a")  # malformed: still an attempt
    with pytest.raises(otp.CodeRejected) as third:
        codes().verify(SIGN_IN, "")
    assert (first.value.attempts_left, second.value.attempts_left) == (2, 1)
    assert third.value.attempts_left == 0  # a wrong try too (the lock counts it)

    with pytest.raises(otp.CodeUnusable):
        codes().verify(SIGN_IN, CODE)  # the right code, too late
    assert codes().current(SIGN_IN) is None


def test_the_right_code_after_wrong_tries_works(app):
    codes().store(SIGN_IN, CODE, "sms")
    for _ in range(2):
        with pytest.raises(otp.CodeRejected):
            codes().verify(SIGN_IN, "999999")
    codes().verify(SIGN_IN, CODE)
    assert _otp_keys() == [f"idp:otp-meta:{SIGN_IN}"]


def test_a_resend_replaces_the_code(app):
    codes().store(SIGN_IN, CODE, "sms")
    with pytest.raises(otp.CodeRejected):
        codes().verify(SIGN_IN, "000000")

    codes().store(SIGN_IN, "271828", "email")

    assert codes().current(SIGN_IN).channel == "email"  # type: ignore[union-attr]
    with pytest.raises(otp.CodeRejected) as old:
        codes().verify(SIGN_IN, CODE)
    assert old.value.attempts_left == 2  # the new code has its own tries
    codes().verify(SIGN_IN, "271828")


def test_resend_cooldown(app, monkeypatch):
    assert runtime().settings.second_factor.resend_cooldown == 30
    codes().check_resend(SIGN_IN, "sms")  # nothing sent yet: no wait
    codes().store(SIGN_IN, CODE, "sms")

    with pytest.raises(otp.ResendTooSoon) as wait:
        codes().check_resend(SIGN_IN, "sms")
    assert 29 <= wait.value.retry_after <= 30

    monkeypatch.setattr(otp, "time", _Later(20))
    with pytest.raises(otp.ResendTooSoon) as later:
        codes().check_resend(SIGN_IN, "sms")
    assert 9 <= later.value.retry_after <= 10
    assert codes().resend_wait(SIGN_IN, "sms") in (9, 10)

    monkeypatch.setattr(otp, "time", _Later(31))
    codes().check_resend(SIGN_IN, "sms")
    assert codes().resend_wait(SIGN_IN, "sms") == 0


def test_the_cooldown_is_per_channel(app, monkeypatch):
    codes().store(SIGN_IN, CODE, "sms")

    codes().check_resend(SIGN_IN, "email")  # the other channel is never held back
    assert codes().resend_wait(SIGN_IN, "email") == 0
    monkeypatch.setattr(otp, "time", _Later(5))
    codes().store(SIGN_IN, "271828", "email")

    # The SMS keeps its own cooldown, counted from the SMS; the e-mail starts its own.
    with pytest.raises(otp.ResendTooSoon) as sms:
        codes().check_resend(SIGN_IN, "sms")
    assert 24 <= sms.value.retry_after <= 25
    with pytest.raises(otp.ResendTooSoon) as email:
        codes().check_resend(SIGN_IN, "email")
    assert 29 <= email.value.retry_after <= 30
    # Only the latest code works, whichever channel the earlier one went by.
    with pytest.raises(otp.CodeRejected):
        codes().verify(SIGN_IN, CODE)
    codes().verify(SIGN_IN, "271828")


def test_a_record_without_send_times_per_channel_counts_its_own_channel(app):
    """A code stored before the cooldown was per channel: its channel waits, the other not."""
    sent = codes().store(SIGN_IN, CODE, "sms")
    meta = {"channel": "sms", "sent_at": sent.sent_at, "expires_at": sent.expires_at}
    runtime().redis.set(f"idp:otp-meta:{SIGN_IN}", json.dumps(meta), ex=300)

    assert codes().resend_wait(SIGN_IN, "sms") in (29, 30)
    assert codes().resend_wait(SIGN_IN, "email") == 0


def test_the_cooldown_is_configuration(app):
    settings = runtime().settings
    runtime().settings = replace(
        settings, second_factor=replace(settings.second_factor, resend_cooldown=0)
    )
    codes().store(SIGN_IN, CODE, "sms")
    codes().check_resend(SIGN_IN, "sms")


def test_codes_expire_with_their_redis_keys(app):
    r = runtime().redis
    sent = codes().store(SIGN_IN, CODE, "sms")
    ttl = runtime().settings.second_factor.code_ttl
    assert sent.expires_at - sent.sent_at == ttl == 300
    for name in (f"idp:otp:{SIGN_IN}", f"idp:otp-meta:{SIGN_IN}"):
        assert 0 < r.ttl(name) <= ttl

    for name in (f"idp:otp:{SIGN_IN}", f"idp:otp-meta:{SIGN_IN}"):
        r.pexpire(name, 1)
    deadline = real_time.monotonic() + 2
    while r.exists(f"idp:otp:{SIGN_IN}") and real_time.monotonic() < deadline:
        real_time.sleep(0.01)

    assert codes().current(SIGN_IN) is None
    with pytest.raises(otp.CodeUnusable):
        codes().verify(SIGN_IN, CODE)
    codes().check_resend(SIGN_IN, "sms")  # no live code: a new one may be sent at once


def test_attempt_counter_expires_too(app):
    codes().store(SIGN_IN, CODE, "sms")
    with pytest.raises(otp.CodeRejected):
        codes().verify(SIGN_IN, "000000")
    assert 0 < runtime().redis.ttl(f"idp:otp-attempts:{SIGN_IN}") <= 900


def test_forget_removes_everything(app):
    codes().store(SIGN_IN, CODE, "sms")
    with pytest.raises(otp.CodeRejected):
        codes().verify(SIGN_IN, "000000")
    codes().forget(SIGN_IN)
    assert _otp_keys() == []


def test_parallel_uses_of_one_code_succeed_once(app):
    codes().store(SIGN_IN, CODE, "sms")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        with app.app_context():
            barrier.wait()
            try:
                codes().verify(SIGN_IN, CODE)
                outcomes.append("ok")
            except otp.CodeUnusable:
                outcomes.append("unusable")

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(outcomes) == ["ok"] + ["unusable"] * 7


def test_parallel_wrong_guesses_are_all_counted(app):
    codes().store(SIGN_IN, CODE, "sms")
    outcomes: list[int | str] = []
    barrier = threading.Barrier(6)

    def guess(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                codes().verify(SIGN_IN, f"00000{n}")
            except otp.CodeRejected as wrong:
                outcomes.append(wrong.attempts_left)
            except otp.CodeUnusable:
                outcomes.append("unusable")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    # Exactly three guesses were checked; the others found no code left.
    assert sum(1 for o in outcomes if o != "unusable") == 3
    assert outcomes.count("unusable") == 3
    with pytest.raises(otp.CodeUnusable):
        codes().verify(SIGN_IN, CODE)

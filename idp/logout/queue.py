"""The back-channel logout queue, shared by every instance: a Redis sorted set of jobs scored
by the time they are due.

A job is the JSON ``{"client_id", "sub", "sid", "member_id", "attempt"}``: the token itself
is signed at each attempt, so nothing secret waits in Redis. A worker *claims* the earliest
due job with one Lua call that also pushes its score a lease ahead (``LEASE``): no two
workers take the same job, and a job whose worker died mid-delivery comes back when the
lease runs out (at-least-once; relying parties treat logout as idempotent, and each attempt
has its own ``jti``). Finished jobs are removed; failed ones are put back, one attempt
further, after an exponential delay; the last failure is audited
(``logout.backchannel_failed``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import cast

from idp import audit
from idp.clients.registry import RegisteredClient, find_client
from idp.kv import key
from idp.logout.backchannel import logout_token, post_logout_token
from idp.runtime import runtime

log = logging.getLogger(__name__)

QUEUE = key("backchannel", "due")
QUEUE_TTL = 2 * 24 * 3600  # refreshed at every push; a job older than this is moot anyway
MAX_DELAY = 3600
# Take the earliest job due by ARGV[1] and hide it until ARGV[2] (its lease).
CLAIM_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #due == 0 then return false end
redis.call('ZADD', KEYS[1], ARGV[2], due[1])
return due[1]
"""


@dataclass(frozen=True)
class Job:
    client_id: str
    sub: str
    sid: str | None
    member_id: int | None
    attempt: int = 0  # deliveries tried so far

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def backchannel_uri(client: RegisteredClient | None) -> str:
    return str(client.settings.get("backchannel_logout_uri") or "") if client else ""


def enqueue(client_id: str, sub: str, sid: str | None, member_id: int | None) -> bool:
    """Queue a logout token for the client, due now; False when it has no
    ``backchannel_logout_uri``. The same logout queued twice is one job."""
    if not backchannel_uri(find_client(client_id)):
        return False
    _push(Job(client_id, sub, sid, member_id), time.time())
    return True


def pending() -> list[Job]:
    """Every queued job (operators, tests)."""
    raws = cast(list[bytes], runtime().redis.zrange(QUEUE, 0, -1))
    return [_load(raw) for raw in raws]


def deliver_due(now: float | None = None, limit: int = 100) -> int:
    """Deliver the jobs due by ``now`` (default: the current time), at most ``limit`` of
    them; returns how many were tried. Threads call it in a loop; tests call it with a
    future ``now`` to run the retries at once."""
    now = time.time() if now is None else now
    settings = runtime().settings.logout
    lease = settings.backchannel_timeout * 2 + 30
    tried = 0
    while tried < limit:
        raw = _claim(now, now + lease)
        if raw is None:
            break
        tried += 1
        _deliver(raw, now)
    return tried


def retry_delay(attempt: int) -> int:
    """Seconds before try ``attempt + 1``: the first delay, doubled at each failure."""
    first = runtime().settings.logout.backchannel_retry_delay
    return int(min(first * 2 ** (attempt - 1), MAX_DELAY))


def _deliver(raw: bytes | str, now: float) -> None:
    try:
        job = _load(raw)
    except (ValueError, TypeError, KeyError):
        log.error("Dropping a malformed back-channel logout job")
        _finish(raw)
        return
    uri = backchannel_uri(find_client(job.client_id))
    if not uri:  # the client was removed or disabled, or no longer wants logout tokens
        _finish(raw)
        return
    settings = runtime().settings.logout
    result = post_logout_token(
        uri, logout_token(job.client_id, job.sub, job.sid), settings.backchannel_timeout
    )
    if result.delivered:
        log.info("Logout token delivered to %s (HTTP %s)", job.client_id, result.status)
        _finish(raw)
        return
    attempt = job.attempt + 1
    if result.permanent or attempt >= settings.backchannel_max_attempts:
        _finish(raw)
        audit.record(
            "logout.backchannel_failed",
            member_id=job.member_id,
            client_id=job.client_id,
            status=result.status,
            error=result.error,
            attempts=attempt,
        )
        return
    log.warning("Logout token to %s failed (%s); attempt %d will follow",
                job.client_id, result.error, attempt + 1)  # fmt: skip
    retried = Job(job.client_id, job.sub, job.sid, job.member_id, attempt)
    pipe = runtime().redis.pipeline()
    pipe.zrem(QUEUE, raw)
    pipe.zadd(QUEUE, {retried.dumps(): now + retry_delay(attempt)})
    pipe.expire(QUEUE, QUEUE_TTL)
    pipe.execute()


def _push(job: Job, due: float) -> None:
    pipe = runtime().redis.pipeline()
    pipe.zadd(QUEUE, {job.dumps(): due})
    pipe.expire(QUEUE, QUEUE_TTL)
    pipe.execute()


def _claim(now: float, until: float) -> bytes | str | None:
    raw = runtime().redis.eval(CLAIM_SCRIPT, 1, QUEUE, repr(now), repr(until))
    return cast(bytes | str | None, raw)


def _finish(raw: bytes | str) -> None:
    runtime().redis.zrem(QUEUE, raw)


def _load(raw: bytes | str) -> Job:
    data = json.loads(raw)
    return Job(
        client_id=str(data["client_id"]),
        sub=str(data["sub"]),
        sid=data.get("sid"),
        member_id=data.get("member_id"),
        attempt=int(data.get("attempt", 0)),
    )

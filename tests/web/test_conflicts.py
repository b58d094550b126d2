"""A request chosen by PostgreSQL as the victim of a deadlock: the database is up, so this is
no outage. The client is asked to retry in a second (503, ``Retry-After: 1``), the request's
work is rolled back, one warning is logged, and the outage state is left alone."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from idp.outages import dependency_of, is_conflict

PROBE = "conflict_probe"


def _deadlock(database_url: str) -> DBAPIError:
    """Two transactions updating two rows in opposite orders: PostgreSQL aborts one."""
    engine = create_engine(database_url)
    with engine.begin() as setup:
        setup.execute(text(f"CREATE TABLE IF NOT EXISTS {PROBE} (id int PRIMARY KEY, n int)"))
        setup.execute(text(f"DELETE FROM {PROBE}"))
        setup.execute(text(f"INSERT INTO {PROBE} VALUES (1, 0), (2, 0)"))
    both_hold_one = threading.Barrier(2)
    failures: list[DBAPIError] = []

    def worker(first: int, second: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {PROBE} SET n = n + 1 WHERE id = {first}"))
                both_hold_one.wait(timeout=10)
                conn.execute(text(f"UPDATE {PROBE} SET n = n + 1 WHERE id = {second}"))
        except DBAPIError as error:
            failures.append(error)

    threads = [threading.Thread(target=worker, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with engine.begin() as cleanup:
        cleanup.execute(text(f"DROP TABLE {PROBE}"))
    engine.dispose()
    assert len(failures) == 1, failures
    return failures[0]


@pytest.fixture
def deadlock(database_url: str) -> DBAPIError:
    if not database_url.startswith("postgresql"):
        pytest.skip("deadlock detection is PostgreSQL's")
    return _deadlock(database_url)


def test_a_deadlock_victim_is_asked_to_retry_and_no_outage_is_declared(app, deadlock, caplog):
    assert is_conflict(deadlock) and dependency_of(deadlock) is None

    def raises() -> str:
        raise deadlock

    app.add_url_rule("/conflict-probe", "conflict_probe", raises)
    app.add_url_rule("/token/conflict-probe", "conflict_probe_json", raises)
    caplog.set_level(logging.INFO)
    client = app.test_client()
    page = client.get("/conflict-probe")
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "no-store" in page.headers["Cache-Control"]
    assert "Service momentanément indisponible" in page.get_data(as_text=True)
    answer = client.get("/token/conflict-probe")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.get_json()["error"] == "temporarily_unavailable"
    outages = app.extensions["idp"].outages
    assert not outages.is_down("database")
    assert [r for r in caplog.records if "unreachable" in r.getMessage()] == []
    conflicts = [r for r in caplog.records if "Database conflict" in r.getMessage()]
    assert len(conflicts) == 2 and all(r.levelno == logging.WARNING for r in conflicts)
    assert all(not r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)

"""Background delivery of back-channel logout tokens: daemon threads in each serving process
take due jobs from the shared queue (``queue.py``), so no member's request waits for a
relying party.

The threads start with the process's first request rather than in ``create_app``: commands
(``idp members import``…) and gunicorn's master, which forks the workers, never run them.
A sign-out wakes this process's threads at once; otherwise they look at the queue every
``IDP_BACKCHANNEL_POLL_INTERVAL`` seconds (jobs queued by other instances, retries).
:func:`stop` ends them cleanly.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from idp.logout.queue import LogoutQueue
from idp.runtime import runtime

log = logging.getLogger(__name__)

EXTENSION = "idp.backchannel"
BATCH = 50


class Workers:
    def __init__(self, app: Flask, count: int, poll_interval: float, timeout: float) -> None:
        self.app = app
        self.count = count
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        if self.threads or not self.count or self.stop_event.is_set():
            return
        with self._lock:
            if self.threads:
                return
            for n in range(self.count):
                thread = threading.Thread(
                    target=self._run, name=f"idp-backchannel-{n}", daemon=True
                )
                thread.start()
                self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()
        for thread in self.threads:
            # A thread may be waiting for a relying party's answer.
            thread.join(timeout=self.timeout + 5)

    def _run(self) -> None:
        while not self.stop_event.is_set():
            self.wake.clear()
            tried = 0
            try:
                with self.app.app_context():
                    tried = LogoutQueue.of(runtime(self.app)).deliver_due(limit=BATCH)
            except Exception as error:  # a thread that dies silently would stop every delivery
                # Redis or the database down: one line when it starts (idp/outages.py), not a
                # traceback per loop; the jobs wait in the queue until it answers again.
                if not runtime(self.app).outages.report(error):
                    log.exception("Back-channel logout delivery failed; trying again later")
            if tried < BATCH:
                self.wake.wait(self.poll_interval)


def init_app(app: Flask) -> None:
    settings = runtime(app).settings.logout
    workers = Workers(
        app,
        settings.backchannel_workers,
        settings.backchannel_poll_interval,
        settings.backchannel_timeout,
    )
    app.extensions[EXTENSION] = workers
    if workers.count:
        app.before_request(workers.start)


def nudge() -> None:
    """Wake this process's delivery threads: a job was queued."""
    workers = current_app.extensions.get(EXTENSION)
    if workers is not None:
        workers.wake.set()


def stop(app: Flask) -> None:
    """Stop and join the delivery threads (shutdown, tests)."""
    workers = app.extensions.get(EXTENSION)
    if workers is not None:
        workers.stop()

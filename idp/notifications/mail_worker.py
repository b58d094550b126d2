"""The threads that empty the durable outbox (``mail_queue.py``): daemon threads in each
serving process, so no member's request waits for the mail server.

As for back-channel logout (``idp/logout/worker.py``), the threads start with the process's
first request rather than in ``create_app``: commands and gunicorn's master, which forks the
workers, never run them. A transaction that queued a mail wakes this process's threads as
soon as it commits (so, with the mail server up, the mail leaves within a second); otherwise
they look at the outbox every ``IDP_OUTBOX_POLL_INTERVAL`` seconds (mails queued by other
instances, retries). :func:`stop` ends them cleanly.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from idp.notifications.mail_queue import MailQueue
from idp.notifications.notifier import current_notifier
from idp.notifications.queued_mail import NUDGE
from idp.runtime import runtime

log = logging.getLogger(__name__)

EXTENSION = "idp.mail_workers"
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
                thread = threading.Thread(target=self._run, name=f"idp-mail-{n}", daemon=True)
                thread.start()
                self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()
        for thread in self.threads:
            # A thread may be in the middle of an SMTP exchange.
            thread.join(timeout=self.timeout * 4 + 5)

    def _run(self) -> None:
        failing = False
        while not self.stop_event.is_set():
            self.wake.clear()
            tried = 0
            try:
                with self.app.app_context():
                    queue = MailQueue.of(runtime(self.app), current_notifier(self.app))
                    tried = queue.deliver_due(limit=BATCH)
            except Exception as error:  # a thread that died would stop every e-mail
                # The database down: one line when it starts (idp/outages.py), not a
                # traceback per loop; the mails wait in the outbox until it answers again.
                if not runtime(self.app).outages.report(error) and not failing:
                    log.exception("Sending queued e-mails failed; trying again until it works")
                failing = True
            else:
                if failing:
                    log.warning("Sending queued e-mails works again")
                failing = False
            if tried < BATCH:
                self.wake.wait(self.poll_interval)


def init_app(app: Flask) -> None:
    settings = runtime(app).settings.mail
    workers = Workers(
        app, settings.outbox_workers, settings.outbox_poll_interval, settings.smtp_timeout
    )
    app.extensions[EXTENSION] = workers
    if workers.count:
        app.before_request(workers.start)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    if session.info.pop(NUDGE, False) and has_app_context():
        nudge(current_app)


def _after_rollback(session: Session) -> None:
    session.info.pop(NUDGE, None)


def nudge(app: Flask) -> None:
    """Wake this process's sending threads: a mail was queued."""
    workers = app.extensions.get(EXTENSION)
    if workers is not None:
        workers.wake.set()


def stop(app: Flask) -> None:
    """Stop and join the sending threads (shutdown, tests)."""
    workers = app.extensions.get(EXTENSION)
    if workers is not None:
        workers.stop()

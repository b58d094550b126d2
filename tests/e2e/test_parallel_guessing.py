"""Parallel guessing against two ``idp serve`` instances sharing PostgreSQL and Redis, requests
alternating between them as behind a round-robin load balancer: with a lock threshold of 5,
exactly 5 wrong secrets are ever checked, however many arrive at once, and each member-facing
answer is the right page (docs/failure-modes.md, "Lockout").
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin

import pytest
import requests

from tests.actors import (
    CODE_READERS,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    Browser,
    RelyingParty,
    code_form_action,
    form_action,
    form_fields,
)
from tests.e2e.conftest import Pair, at_instance, fire

THRESHOLD = 5
PARALLEL = 30
# Generous rate limits and code attempts, so that only the account's lock stops the guesses.
GENEROUS = {
    "IDP_PASSWORD_ATTEMPTS_PER_IDENTIFIER": "1000",
    "IDP_PASSWORD_ATTEMPTS_PER_IP": "1000",
    "IDP_OTP_MAX_ATTEMPTS": "50",
    "IDP_LOCKOUT_MAX_FAILURES": str(THRESHOLD),
}


@pytest.fixture
def pair_env() -> dict[str, str]:
    return GENEROUS


def alert(page: requests.Response) -> str:
    start = page.text.index('role="alert"')
    return page.text[page.text.index(">", start) + 1 : page.text.index("</div>", start)]


def assert_answers(answers: list[requests.Response], wrong_text: str, last_try: str) -> None:
    """Four wrong secrets are answered "wrong" (the fourth warning that the next failure
    locks), the fifth starts the lock, the others are refused without being checked."""
    statuses = Counter(a.status_code for a in answers)
    print(f"answers: {dict(statuses)}")  # shown with -s: the figures of the closing note
    assert set(statuses) <= {401, 403, 429}, statuses
    assert statuses[401] == THRESHOLD - 1, statuses
    wrong = [alert(a) for a in answers if a.status_code == 401]
    assert sum(last_try in text for text in wrong) == 1, wrong
    assert sum(text.startswith(wrong_text) and last_try not in text for text in wrong) == 3
    for answer in answers:
        if answer.status_code == 403:
            assert "bloqué jusqu" in answer.text and "/password/forgot" in answer.text
        if answer.status_code == 429:
            assert "déjà en cours de vérification" in answer.text


def wrong_passwords(pair: Pair, identifier: str) -> list[tuple[requests.Session, str, dict]]:
    """``PARALLEL`` wrong passwords for ``identifier``, each from a browser of its own."""
    portal = RelyingParty(pair.issuer, "health-portal")
    prepared = []
    for i in range(PARALLEL):
        browser = Browser(pair.issuer)
        page = browser.go(portal.authorize_url())
        assert isinstance(page, requests.Response)
        fields = form_fields(page.text)
        action = at_instance(pair, i, urljoin(page.url, form_action(page.text, "/password")))
        data = {"csrf_token": fields["csrf_token"], "username": identifier,
                "password": f"Wrong-Guess-{i:04d}"}  # fmt: skip
        prepared.append((browser.http, action, data))
    return prepared


def pages_by_status(answers: list[requests.Response]) -> dict[int, set[str]]:
    """What the guesser reads at each status: the error of a password page, the locked page
    without its end time (the two locks compared start seconds apart)."""
    pages: dict[int, set[str]] = {}
    for answer in answers:
        if answer.status_code == 403:
            text = answer.text[answer.text.index("<h1>") : answer.text.index("</main>")]
            text = re.sub(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}", "<end>", text)
        else:
            text = alert(answer)
        pages.setdefault(answer.status_code, set()).add(text)
    return pages


def test_parallel_wrong_passwords_check_exactly_the_threshold(pair: Pair):
    portal = RelyingParty(pair.issuer, "health-portal")
    answers = fire(wrong_passwords(pair, DEMO_NUMBER))

    assert pair.count("login.password_failed") == THRESHOLD  # hashes checked and wrong
    assert pair.count("login.failure_counted") == THRESHOLD
    assert pair.count("lock.started") == 1 and pair.locked()
    assert_answers(answers, "Identifiant ou mot de passe incorrect", "encore un échec")
    # The right password no longer gets in.
    browser = Browser(pair.issuer)
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    refused = browser.post_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(refused, requests.Response) and refused.status_code == 403


def test_parallel_wrong_passwords_for_an_unknown_identifier_meet_the_same_answers(pair: Pair):
    """A stranger guessing in parallel cannot tell a member from an identifier that names no
    account: the same statuses, in the same numbers of wrong answers, and the same pages."""
    member = fire(wrong_passwords(pair, DEMO_NUMBER))
    stranger = fire(wrong_passwords(pair, "999999999"))

    # As many dummy hashes counted as the member's wrong passwords, and no more.
    assert pair.count("login.password_failed", member_id=None) == THRESHOLD
    assert_answers(stranger, "Identifiant ou mot de passe incorrect", "encore un échec")
    member_pages, stranger_pages = pages_by_status(member), pages_by_status(stranger)
    # 401: "wrong" and the last-try warning; 403: the locked page; 429: "being checked". How
    # many guesses are refused as locked rather than as being checked is a matter of timing.
    both = set(member_pages) & set(stranger_pages)
    assert {401, 403} <= both and set(stranger_pages) <= {401, 403, 429}, stranger_pages.keys()
    assert 429 in set(member_pages) | set(stranger_pages)  # the guesses outran the checks
    for status in both:
        assert stranger_pages[status] == member_pages[status], status
        assert len(member_pages[status]) == (2 if status == 401 else 1), member_pages[status]
    # Locked, as the member is: even a password that would be right for someone is refused.
    browser = Browser(pair.issuer)
    page = browser.go(RelyingParty(pair.issuer, "health-portal").authorize_url())
    assert isinstance(page, requests.Response)
    refused = browser.post_password(page, "999999999", DEMO_PASSWORD)
    assert isinstance(refused, requests.Response) and refused.status_code == 403


def test_parallel_wrong_codes_check_exactly_the_threshold(pair: Pair):
    portal = RelyingParty(pair.issuer, "health-portal")
    browser = Browser(pair.issuer)
    page = browser.go(portal.authorize_url())
    assert isinstance(page, requests.Response)
    choose = browser.post_password(page, DEMO_NUMBER, DEMO_PASSWORD)
    assert isinstance(choose, requests.Response)
    enter = browser.request_code(choose, "email")
    assert isinstance(enter, requests.Response) and 'name="code"' in enter.text
    good = CODE_READERS[pair.issuer]()
    fields = form_fields(enter.text)
    action = urljoin(enter.url, code_form_action(enter.text))
    prepared = []
    for i in range(PARALLEL):
        http = requests.Session()
        http.cookies.update(browser.http.cookies)  # the same browser, many tabs at once
        guess = f"{(int(good) + 1 + i) % 1_000_000:06d}"
        prepared.append((http, at_instance(pair, i, action),
                         {"csrf_token": fields["csrf_token"], "code": guess}))  # fmt: skip

    answers = fire(prepared)

    assert pair.count("login.failure_counted") == THRESHOLD
    assert pair.count("otp.failed") == THRESHOLD
    assert pair.count("lock.started") == 1 and pair.locked()
    assert_answers(answers, "Code incorrect. Il vous reste", "encore un échec")
    # The right code no longer gets in either.
    late = browser.enter_code(enter, good)
    assert isinstance(late, requests.Response) and late.status_code == 403

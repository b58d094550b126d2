"""The sign-in steps, as an ordered registry (docs/extending.md).

A step is one module of ``idp/login/`` (or of an extension) declaring a :class:`Step`: its
name, its phase, the named check that says whether it runs for this request and why, and the
page that shows it. The registry of an app lists the steps in the order a member meets them;
``idp/interaction/policy.py`` walks it to plan a sign-in and re-plans it every time the
member comes back to a step, so a step added between two others is one new module and one
line where the registry is filled (``idp/login/routes.py``).

Phases, in order:

- ``identify``: find out who the member is (the password, or a passkey that stands for it).
  When an identify step runs, the sign-in is *fresh*: nothing of an earlier session counts.
- ``authenticate``: prove more (the one-time code). The SSO session opens after these.
- ``signed_in``: the member is signed in; what remains is between them and the client (the
  access rule, the biometric offer, consent, terms to accept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app
from werkzeug.wrappers import Response

from idp.clients.registry import RegisteredClient
from idp.models import Member

if TYPE_CHECKING:
    from idp.interaction.state import Interaction

IDENTIFY = "identify"
AUTHENTICATE = "authenticate"
SIGNED_IN = "signed_in"
PHASES = (IDENTIFY, AUTHENTICATE, SIGNED_IN)
EXTENSION = "idp.steps"

Page = Response | str | tuple[str, int]


@dataclass(frozen=True)
class Facts:
    """What a step's check may look at. ``member`` and ``amr`` are those of this sign-in:
    the member who proved something in this interaction, or the session's when the sign-in
    is not fresh; ``member`` is None while nobody is identified yet."""

    params: Mapping[str, str]
    client: RegisteredClient
    member: Member | None
    amr: frozenset[str]
    auth_time: int | None
    done: frozenset[str]
    # The browser's SSO session when the request arrived (None: there was none) and the
    # subject of the request's id_token_hint when one names this client.
    session_member: Member | None
    session_auth_time: int | None
    hint_subject: str | None
    has_hint: bool
    session_amr: frozenset[str] = frozenset()
    # An identify step runs or ran: the earlier session does not count.
    fresh: bool = False

    @property
    def prompts(self) -> set[str]:
        return set(self.params.get("prompt", "").split())


@dataclass(frozen=True)
class Verdict:
    """Whether a step runs, with a reason code for the audit log either way
    (``no_session``, ``max_age_exceeded``, ``client_requires_code``, ``remembered_device``…)."""

    needed: bool
    reason: str


def run(reason: str) -> Verdict:
    return Verdict(True, reason)


def skip(reason: str) -> Verdict:
    return Verdict(False, reason)


@dataclass(frozen=True)
class Step:
    name: str
    phase: str
    check: Callable[[Facts], Verdict]
    # GET /login/<id> while this is the next step. Its form posts to the step's own routes,
    # which call ``Planner.complete`` (``policy.py``) when the step is done.
    page: Callable[[Interaction], Page]
    # What ``prompt=none`` answers when this step is needed (OIDC Core §3.1.2.6).
    prompt_none_error: str = "interaction_required"

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"step {self.name}: phase must be one of {PHASES}")


class Registry:
    """The steps of one app, in the order a member meets them. Phases never go backwards:
    every identify step comes before every authenticate step, and those before the rest."""

    def __init__(self) -> None:
        self._steps: list[Step] = []

    def add(self, step: Step, *, before: str | None = None, after: str | None = None) -> None:
        if any(s.name == step.name for s in self._steps):
            raise ValueError(f"step {step.name} is registered already")
        if before is not None and after is not None:
            raise ValueError("give before or after, not both")
        anchor = before or after
        position = len(self._steps)
        if anchor is not None:
            position = self._index(anchor) + (1 if after is not None else 0)
        steps = [*self._steps[:position], step, *self._steps[position:]]
        order = [PHASES.index(s.phase) for s in steps]
        if order != sorted(order):
            raise ValueError(f"step {step.name} ({step.phase}) would break the phase order")
        self._steps = steps

    def get(self, name: str) -> Step:
        return self._steps[self._index(name)]

    def names(self) -> list[str]:
        return [s.name for s in self._steps]

    def __iter__(self) -> Iterator[Step]:
        return iter(list(self._steps))

    def _index(self, name: str) -> int:
        for index, step in enumerate(self._steps):
            if step.name == name:
                return index
        raise KeyError(f"no step named {name}")


def registry(app: Flask | None = None) -> Registry:
    """The steps of ``app`` (the current one by default), created empty on first use."""
    target = app or current_app
    found = target.extensions.get(EXTENSION)
    if found is None:
        found = target.extensions[EXTENSION] = Registry()
    assert isinstance(found, Registry)
    return found

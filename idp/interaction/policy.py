"""Planning a sign-in (node-oidc-provider's interaction policy): which registered steps run for
this request, in which order, and why.

``/authorize`` asks :func:`plan` once, with the facts of the request and of the browser's SSO
session: nothing needed means the code can be issued at once (single sign-on), and for
``prompt=none`` the first needed step names the error. Once the member is on the sign-in
pages, :meth:`Planner.next_step` plans again at every turn from what is known by then (the member,
what they proved, what they already accepted), so a step that no longer applies is skipped
(audited ``login.step_skipped`` with its reason) and one that now applies is not missed.
Every step's reason is kept in the interaction and goes to the audit event of the sign-in.

Planning again reads the registered clients and saves the interaction, so nothing here looks
services up: a view builds one :class:`Planner` (``Planner.of(rt)``, ``rt`` the app's
runtime) and asks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from flask import redirect, url_for
from werkzeug.wrappers import Response

from idp import audit
from idp.clients.registry import ClientRegistry, RegisteredClient
from idp.db import db
from idp.errors import InteractionExpired
from idp.interaction.state import Interaction, Interactions
from idp.interaction.steps import IDENTIFY, SIGNED_IN, Facts, Registry, Step, Verdict, registry
from idp.models import Member
from idp.runtime import Runtime

# The route showing the next step (``idp/login/views.py``).
STEP_ENDPOINT = "login.step"


@dataclass(frozen=True)
class Plan:
    verdicts: list[tuple[Step, Verdict]]

    @property
    def needed(self) -> list[Step]:
        return [step for step, verdict in self.verdicts if verdict.needed]

    @property
    def fresh(self) -> bool:
        """The member has to be identified again (the session does not count)."""
        return any(step.phase == IDENTIFY for step in self.needed)

    @property
    def prompt_none_error(self) -> str | None:
        needed = self.needed
        return needed[0].prompt_none_error if needed else None

    def reasons(self) -> dict[str, str]:
        return {step.name: verdict.reason for step, verdict in self.verdicts if verdict.needed}


def request_facts(
    params: dict[str, str],
    client: RegisteredClient,
    session_member: Member | None,
    session_amr: list[str],
    session_auth_time: int | None,
    hint_subject: str | None,
    has_hint: bool,
) -> Facts:
    """The facts of an authorization request before any step ran."""
    return Facts(
        params=params,
        client=client,
        member=None,
        amr=frozenset(),
        auth_time=None,
        done=frozenset(),
        session_member=session_member,
        session_auth_time=session_auth_time if session_member is not None else None,
        hint_subject=hint_subject,
        has_hint=has_hint,
        session_amr=frozenset(session_amr) if session_member is not None else frozenset(),
    )


def plan(facts: Facts, steps: Registry | None = None) -> Plan:
    """Every step's verdict for a request that has not started its sign-in."""
    return Plan(list(_walk(facts, steps or registry(), lazy=False)))


class Planner:
    """Plans a pending sign-in again at each turn, for the ``clients`` registered, and saves
    it in ``interactions`` when the plan or the steps done change."""

    def __init__(self, clients: ClientRegistry, interactions: Interactions) -> None:
        self.clients = clients
        self.interactions = interactions

    @classmethod
    def of(cls, rt: Runtime) -> Planner:
        return cls(ClientRegistry.of(rt), Interactions.of(rt))

    def next_step(self, pending: Interaction) -> Step | None:
        """The step this sign-in is at, planned again from what is known now; None when every
        needed step is done (the request can resume). Saves the interaction if the plan
        changed."""
        client = self.clients.find(pending.client_id)
        if client is None:
            raise InteractionExpired()
        changed = False
        found: Step | None = None
        for step, verdict in _walk(interaction_facts(pending, client), registry(), lazy=True):
            if verdict.needed:
                if pending.reasons.get(step.name) != verdict.reason:
                    pending.reasons[step.name] = verdict.reason
                    changed = True
                pending.skipped.pop(step.name, None)
                found = step
                break
            if step.name in pending.reasons and pending.skipped.get(step.name) != verdict.reason:
                # Planned earlier, not needed any more: say why once.
                pending.skipped[step.name] = verdict.reason
                changed = True
                audit.record("login.step_skipped", member_id=pending.member_id,
                             client_id=pending.client_id, step=step.name,
                             reason=verdict.reason)  # fmt: skip
        if changed:
            self.interactions.save(pending)
        return found

    def expect(self, pending: Interaction, name: str) -> None:
        """The form of step ``name`` was posted: refuse it unless that is the current step."""
        if not self.is_current(pending, name):
            raise InteractionExpired()

    def is_current(self, pending: Interaction, name: str) -> bool:
        current = self.next_step(pending)
        return current is not None and current.name == name

    def complete(self, pending: Interaction, name: str) -> Response:
        """Mark step ``name`` done and go on to the next one."""
        pending.complete(name)
        self.interactions.save(pending)
        return to_next_step(pending)


def to_next_step(pending: Interaction) -> Response:
    return redirect(url_for(STEP_ENDPOINT, interaction_id=pending.id), code=303)


def identifies_or_authenticates(name: str) -> bool:
    """Step ``name`` proves something about the member (identify or authenticate phase)."""
    try:
        return registry().get(name).phase != SIGNED_IN
    except KeyError:  # a step of an earlier release
        return False


def interaction_facts(pending: Interaction, client: RegisteredClient) -> Facts:
    member = db.session.get(Member, pending.member_id) if pending.member_id else None
    session_member = (
        db.session.get(Member, pending.session_member_id) if pending.session_member_id else None
    )
    return Facts(
        params=pending.params,
        client=client,
        member=member,
        amr=frozenset(pending.amr),
        auth_time=pending.auth_time,
        done=frozenset(pending.done),
        session_member=session_member,
        session_auth_time=pending.session_auth_time,
        hint_subject=pending.hint_subject,
        has_hint=pending.has_hint,
    )


def _walk(facts: Facts, steps: Registry, lazy: bool) -> Iterator[tuple[Step, Verdict]]:
    """Each step not done yet with its verdict, in order. The identify steps come first and
    decide whether the sign-in is fresh; when it is not, the later checks see the session's
    member and methods. ``lazy`` stops after the first needed step."""
    fresh: bool | None = None
    for step in steps:
        if step.phase != IDENTIFY and fresh is None:
            fresh = False
            facts = _with_session(facts)
        if step.name in facts.done:
            if step.phase == IDENTIFY:
                fresh = True
                facts = replace(facts, fresh=True)
            continue
        verdict = step.check(facts)
        if step.phase == IDENTIFY and verdict.needed and not fresh:
            fresh = True
            facts = replace(facts, fresh=True)
        yield step, verdict
        if lazy and verdict.needed:
            return


def _with_session(facts: Facts) -> Facts:
    """Not fresh: the sign-in is about the session's member, with what they proved then."""
    if facts.member is not None or facts.session_member is None:
        return facts
    return replace(
        facts,
        member=facts.session_member,
        amr=facts.session_amr,
        auth_time=facts.session_auth_time,
    )

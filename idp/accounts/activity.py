"""A member's recent activity for the account page (``/account/activity``): their sign-ins to
the portals and the attempts refused on their account, read from the audit log, newest first
(docs/security.md, "Recent activity").

A sign-in is an ``authorization.granted`` event (a portal received the member's code); a
refused attempt is a wrong password (``login.password_failed``) or a wrong one-time code
(``otp.failed``, reason ``wrong_code``) on this member's account. Events recorded by someone
acting for the member (an adviser, a client of the admin API) are never listed. A refused
password is shown without its IP address: it may be someone else's typing error on their own
identifier, and their address is not this member's to see; its approximate place is shown when
a GeoIP database is configured (``IDP_GEOIP_DATABASE``).
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.models import AuditEvent

RECENT = 20  # events shown
SIGNED_IN = "authorization.granted"
# Refused attempts shown, with the reason the page names: (event, detail "reason" or None).
REFUSALS: Mapping[tuple[str, str | None], str] = {
    ("login.password_failed", None): "password",
    ("otp.failed", "wrong_code"): "code",
}
WITHOUT_IP = frozenset({"password"})  # refusals whose IP address is not shown


@dataclass(frozen=True)
class Place:
    """Where an IP address is, roughly, in the member's language."""

    city: str | None
    country: str | None

    def label(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part)


class PlaceLookup(Protocol):
    """Finds the approximate place of an IP address; None when unknown."""

    def place(self, ip: str, lang: str) -> Place | None: ...


class NoPlaces:
    """No GeoIP database configured: no place is ever known (the page shows the IP address)."""

    def place(self, ip: str, lang: str) -> Place | None:
        return None


class MaxMindPlaces:
    """Places from a local MaxMind-format database (GeoLite2-City, GeoIP2-City or -Country),
    read with the ``maxminddb`` package; nothing leaves the server."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader  # anything with maxminddb's ``get(ip)``

    @classmethod
    def open(cls, path: str) -> MaxMindPlaces:
        # An optional package, checked at start when IDP_GEOIP_DATABASE is set.
        return cls(importlib.import_module("maxminddb").open_database(path))

    def place(self, ip: str, lang: str) -> Place | None:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if not address.is_global:  # a private network has no place
            return None
        record = self.reader.get(str(address))
        if not isinstance(record, Mapping):
            return None
        city, country = _name(record.get("city"), lang), _name(record.get("country"), lang)
        return Place(city, country) if city or country else None


def _name(entry: object, lang: str) -> str | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("names"), Mapping):
        return None
    names = entry["names"]
    found = names.get(lang) or names.get("en")
    return found if isinstance(found, str) and found else None


@lru_cache(maxsize=4)
def places_from(path: str) -> PlaceLookup:
    """The lookup for ``IDP_GEOIP_DATABASE``: the database at ``path``, opened once per
    process, or :class:`NoPlaces` when empty."""
    return MaxMindPlaces.open(path) if path else NoPlaces()


@dataclass(frozen=True)
class Activity:
    """One line of the page: a sign-in (``refused`` None) or a refused attempt and why."""

    at: datetime  # naive UTC, as stored
    refused: str | None  # "password" | "code"
    client_id: str | None
    user_agent: str  # empty when the event did not record it
    ip: str | None  # None when not to be shown
    place: Place | None


def recent_activity(
    member_id: int, *, session: Session, now: datetime, retention_days: int,
    places: PlaceLookup, lang: str, limit: int = RECENT,
) -> list[Activity]:  # fmt: skip
    """The member's last ``limit`` sign-ins and refused attempts within the audit retention
    (``retention_days`` before ``now``), newest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.member_id == member_id,
            AuditEvent.actor.is_(None),
            AuditEvent.event.in_({SIGNED_IN, *(event for event, _ in REFUSALS)}),
            AuditEvent.at >= now - timedelta(days=retention_days),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit * 4)  # refusals of other reasons are skipped below
    )
    found: list[Activity] = []
    for event in events:
        activity = _activity(event, places, lang)
        if activity is not None:
            found.append(activity)
        if len(found) == limit:
            break
    return found


def _activity(event: AuditEvent, places: PlaceLookup, lang: str) -> Activity | None:
    detail = event.detail if isinstance(event.detail, dict) else {}
    refused = None
    if event.event != SIGNED_IN:
        reason = detail.get("reason")
        refused = REFUSALS.get((event.event, reason if isinstance(reason, str) else None))
        if refused is None:
            return None
    user_agent = detail.get("user_agent")
    ip = event.ip or None
    return Activity(
        at=event.at,
        refused=refused,
        client_id=event.client_id,
        user_agent=user_agent if isinstance(user_agent, str) else "",
        ip=None if refused in WITHOUT_IP else ip,
        place=places.place(ip, lang) if ip else None,
    )

"""Finding a member for an adviser on the phone: by member number (exact), by e-mail address
(exact, case ignored), or by name (the start of the last and/or first name, accents, case,
hyphens, apostrophes and spaces ignored: "elo darc" finds "Élodie-Anne D'Arc").

Names are compared in SQL through the same folding as activation's
(:func:`idp.accounts.names.name_key`): on PostgreSQL one ``translate(lower(…))`` built from
that function's own results, on SQLite the function itself, registered on the connection.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from idp.accounts.names import name_key
from idp.db import db
from idp.models import Member

MAX_RESULTS = 100
MAX_WORDS = 4  # "jean pierre de la fontaine" needs no more to be found
SQLITE_FUNCTION = "idp_name_key"
# Characters of names that are not letters (name_key drops them all; these occur in names).
SEPARATORS = " -'’.,"


def _fold_table() -> tuple[str, str, list[tuple[str, str]]]:
    """What name_key does to Latin letters, as SQL can do it: one-to-one replacements
    (``É`` → ``e``, ``Œ`` → ``œ``) and expansions (``ß`` → ``ss``)."""
    kept, target, dropped, expansions = [], [], [], []
    for point in range(0xC0, 0x180):  # Latin-1 Supplement and Latin Extended-A
        char = chr(point)
        folded = name_key(char)
        if folded == char:
            continue
        if len(folded) == 1:
            kept.append(char)
            target.append(folded)
        elif folded:
            expansions.append((char, folded))
        else:
            dropped.append(char)
    # translate() drops the characters of its second argument that have no counterpart.
    return "".join(kept + dropped) + SEPARATORS, "".join(target), expansions


FOLD_FROM, FOLD_TO, FOLD_EXPANSIONS = _fold_table()


def folded(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """``name_key(column)`` as a SQL expression for the session's database."""
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        raw = db.session.connection().connection.driver_connection
        raw.create_function(SQLITE_FUNCTION, 1, name_key, deterministic=True)  # type: ignore[union-attr]
        return getattr(func, SQLITE_FUNCTION)(column)
    expression = func.translate(func.lower(column), FOLD_FROM, FOLD_TO)
    for char, expansion in FOLD_EXPANSIONS:
        expression = func.replace(expression, char, expansion)
    return expression


def _name_condition(query: str) -> ColumnElement[bool] | None:
    words = [key for key in (name_key(w) for w in query.split()) if key][:MAX_WORDS]
    if not words:
        return None
    last, first = folded(Member.last_name), folded(Member.first_name)
    whole = "".join(words)
    # The whole query as the start of "last name first name" or "first name last name"
    # ("de la fontaine", "jean pierre"), or split between the two ("dup cl", "claire dup").
    either: list[ColumnElement[bool]] = [
        folded(Member.last_name + Member.first_name).like(whole + "%"),
        folded(Member.first_name + Member.last_name).like(whole + "%"),
    ]
    for cut in range(1, len(words)):
        head, tail = "".join(words[:cut]), "".join(words[cut:])
        either.append(last.like(head + "%") & first.like(tail + "%"))
        either.append(first.like(head + "%") & last.like(tail + "%"))
    return or_(*either)


def find_members(query: str, limit: int = 20) -> list[Member]:
    """Members matching ``query``: all digits → that member number; an ``@`` → that e-mail
    address (several members may share one); otherwise a name prefix. Sorted by name."""
    value = query.strip()
    limit = max(1, min(limit, MAX_RESULTS))
    if not value:
        return []
    condition: ColumnElement[bool] | None
    if value.isascii() and value.isdigit():
        condition = Member.member_number == value
    elif "@" in value:
        condition = func.lower(Member.email) == value.lower()
    else:
        condition = _name_condition(value)
    if condition is None:
        return []
    order = (Member.last_name, Member.first_name, Member.member_number)
    return list(db.session.scalars(select(Member).where(condition).order_by(*order).limit(limit)))

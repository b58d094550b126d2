"""The member directory: CSV import, the demo member, the sign-in lookup.

Members exist before they have an account: an operator imports the mutual's registry with
``idp members import FILE``. The import is idempotent (upsert by member number), reports every
bad row with its line number and reason, and never half-applies a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from idp import audit
from idp.authenticators.password import PasswordHashing
from idp.db import db, utcnow
from idp.errors import ImportRejected
from idp.models import Member

COLUMNS = ("member_number", "last_name", "first_name", "birth_date", "email", "phone", "contracts")
CONTRACTS = ("health", "provident")
NAME_MAX = 200
EMAIL_MAX = 320
LOOKUP_CHUNK = 500  # member numbers per SELECT … IN (…) when matching existing rows

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_FR_NATIONAL = re.compile(r"0[0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[ .\-]")


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    # Active members who lost a contract: the caller signs them out of the clients that
    # required it (``logout/sign_out.py``).
    contracts_ended: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Record:
    """One valid row, normalised as stored on ``Member`` (same attribute names)."""

    member_number: str
    last_name: str
    first_name: str
    birth_date: date
    email: str | None
    phone: str | None
    contracts: str


# The development member (``idp dev bootstrap``), also the first row of examples/members.csv.
DEMO_MEMBER = _Record(
    member_number="100000001",
    last_name="Martin",
    first_name="Camille",
    birth_date=date(1980, 4, 12),
    email="camille.martin@example.org",
    phone="+33612345678",
    contracts="health;provident",
)
DEMO_PASSWORD = "Correct-Horse-42"


class _Invalid(ValueError):
    """A field failed validation; the message is the operator-facing reason."""


# --- field rules -----------------------------------------------------------------


def _member_number(value: str) -> str:
    if not value:
        raise _Invalid("member_number is required")
    if not value.isascii() or not value.isdigit():
        raise _Invalid(f"member_number '{value}' must contain digits only")
    if not 5 <= len(value) <= 20:
        raise _Invalid(f"member_number '{value}' must be 5 to 20 digits long")
    return value


def _name(column: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value:
            raise _Invalid(f"{column} is required")
        if len(value) > NAME_MAX:
            raise _Invalid(f"{column} is longer than {NAME_MAX} characters")
        return value

    return check


def _birth_date(value: str) -> date:
    if not value:
        raise _Invalid("birth_date is required")
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        born = date.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"birth_date '{value}' is not a valid YYYY-MM-DD date") from None
    if born > date.today():
        raise _Invalid(f"birth_date '{value}' is in the future")
    if born.year < 1900:
        raise _Invalid(f"birth_date '{value}' is before 1900")
    return born


def _email(value: str) -> str | None:
    if not value:
        return None
    if not value.isprintable():  # a control character (NUL, a line break…) is in no address
        raise _Invalid("email holds control characters: not a valid e-mail address")
    local, _, domain = value.partition("@")
    plausible = (
        len(value) <= EMAIL_MAX
        and value.count("@") == 1
        and bool(local)
        and "." in domain.strip(".")
        and not any(c.isspace() for c in value)
    )
    if not plausible:
        raise _Invalid(f"email '{value}' is not a valid e-mail address")
    return value.lower()


def _phone(value: str) -> str | None:
    if not value:
        return None
    compact = _PHONE_SEPARATORS.sub("", value)
    if _E164.fullmatch(compact):
        return compact
    if _FR_NATIONAL.fullmatch(compact):
        return "+33" + compact[1:]
    raise _Invalid(
        f"phone '{value}' is neither E.164 (+33612345678) nor French national (06 12 34 56 78)"
    )


def _contracts(value: str) -> str:
    held = {c.strip().lower() for c in value.split(";") if c.strip()}
    unknown = sorted(held - set(CONTRACTS))
    if unknown:
        raise _Invalid(f"contracts value '{unknown[0]}' is not one of {', '.join(CONTRACTS)}")
    return ";".join(sorted(held))


RULES: dict[str, Callable[[str], Any]] = {
    "member_number": _member_number,
    "last_name": _name("last_name"),
    "first_name": _name("first_name"),
    "birth_date": _birth_date,
    "email": _email,
    "phone": _phone,
    "contracts": _contracts,
}


# --- reading the file ------------------------------------------------------------------------


def _read_text(source: Path | TextIO) -> str:
    """The file as text: UTF-8 with an optional BOM; a decoding error names its line."""
    if not isinstance(source, Path):
        return source.read().removeprefix("\ufeff")
    raw = source.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportRejected([(line, "the file is not UTF-8 text")]) from None


def _header(row: list[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """Column names of the header row, and its problems (all reported on line 1)."""
    names = [name.strip() for name in row]
    problems = [(1, f"unknown column '{n}'") for n in names if n not in COLUMNS]
    problems += [(1, f"column '{n}' appears twice") for n in COLUMNS if names.count(n) > 1]
    problems += [(1, f"missing column '{n}'") for n in COLUMNS if n not in names]
    return names, problems


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row as the user sees it, fields); the delimiter is sniffed from the
    header only (``;`` when it has semicolons and no comma)."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRejected([(line, f"the line cannot be read as CSV: {error}")]) from None


def _record(names: list[str], row: list[str]) -> tuple[_Record | None, list[str]]:
    """Validate one data row: the normalised record, or every reason it is bad."""
    if len(row) != len(names):
        return None, [f"expected {len(names)} fields, found {len(row)}"]
    values: dict[str, Any] = {}
    reasons = []
    for name, raw in zip(names, row, strict=True):
        try:
            values[name] = RULES[name](raw.strip())
        except _Invalid as invalid:
            reasons.append(str(invalid))
    return (None if reasons else _Record(**values)), reasons


def _parse(source: Path | TextIO) -> list[_Record]:
    """Every row of a member file, validated; raises ``ImportRejected`` with all problems."""
    rows = _rows(_read_text(source))
    header = next(rows, None)
    if header is None:
        raise ImportRejected([(1, f"the file is empty: expected header {','.join(COLUMNS)}")])
    names, problems = _header(header[1])
    if problems:
        raise ImportRejected(problems)
    records: list[_Record] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        record, reasons = _record(names, row)
        problems += [(line, reason) for reason in reasons]
        if record is None:
            continue
        if record.member_number in seen:
            first = seen[record.member_number]
            problems.append(
                (line, f"member_number {record.member_number} already appears on line {first}")
            )
            continue
        seen[record.member_number] = line
        records.append(record)
    if problems:
        raise ImportRejected(problems)
    return records


# --- writing ---------------------------------------------------------------------------------


def _existing(numbers: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        for member in db.session.scalars(select(Member).where(Member.member_number.in_(chunk))):
            found[member.member_number] = member
    return found


def _apply(member: Member, record: _Record) -> bool:
    """Copy directory fields onto ``member``; True when any differed. Account fields
    (subject, password, activation) are never touched."""
    changed = False
    for field in fields(record):
        value = getattr(record, field.name)
        if getattr(member, field.name) != value:
            setattr(member, field.name, value)
            changed = True
    return changed


def import_members(source: Path | TextIO) -> ImportReport:
    """Upsert members from a CSV file in one transaction, or write nothing and
    raise ``ImportRejected`` listing every bad row as (line, reason)."""
    records = _parse(source)
    created = updated = 0
    ended: list[int] = []
    try:
        existing = _existing([r.member_number for r in records])
        for record in records:
            member = existing.get(record.member_number)
            if member is None:
                db.session.add(Member(**{f.name: getattr(record, f.name) for f in fields(record)}))
                created += 1
                continue
            held = member.contract_set
            if _apply(member, record):
                updated += 1
                if member.active and held - member.contract_set:
                    ended.append(member.id)
        report = ImportReport(created, updated, len(records) - created - updated, tuple(ended))
        audit.record(
            "members.imported",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


# --- development and sign-in -----------------------------------------------------------------


def ensure_demo_member(*, passwords: PasswordHashing) -> None:
    """Development only (``idp dev bootstrap``): member 100000001 exists, active, with the demo
    password hashed by ``passwords``. Rehashes only when the stored hash does not verify, so
    reruns stay cheap."""
    number = DEMO_MEMBER.member_number
    member = db.session.scalar(select(Member).where(Member.member_number == number))
    if member is None:
        member = Member(member_number=number)
        db.session.add(member)
    _apply(member, DEMO_MEMBER)
    if member.password_hash is None or not passwords.verify(member.password_hash, DEMO_PASSWORD):
        member.password_hash = passwords.hash(DEMO_PASSWORD)
        member.password_changed_at = utcnow()
    if member.activated_at is None:
        member.activated_at = utcnow()
    db.session.commit()


def find_member_by_identifier(identifier: str) -> Member | None:
    """The sign-in lookup: a member number, or an e-mail address held by exactly
    one member (a shared address identifies nobody)."""
    value = identifier.strip()
    if value.isascii() and value.isdigit():
        return db.session.scalar(select(Member).where(Member.member_number == value))
    if "@" in value:
        matches = db.session.scalars(
            select(Member).where(Member.email == value.lower()).limit(2)
        ).all()
        return matches[0] if len(matches) == 1 else None
    return None

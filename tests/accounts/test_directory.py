"""The member directory as an operator sees it: import, rejection, lookup."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from idp.accounts.directory import (
    DEMO_PASSWORD,
    ImportReport,
    ensure_demo_member,
    find_member_by_identifier,
    import_members,
)
from idp.config import PROJECT_ROOT
from idp.db import db, utcnow
from idp.errors import ImportRejected
from idp.models import AuditEvent, Member
from idp.runtime import runtime

HEADER = "member_number,last_name,first_name,birth_date,email,phone,contracts"
ROWS = [
    "100000001,Martin,Camille,1980-04-12,Camille.Martin@Example.org,06 12 34 56 78,"
    "provident;health",
    "100000002,D'Arc,Élodie-Anne,1975-09-30,,+33623456789,health",
    "100000003,Bernard,Lucas,1992-01-17,lucas.bernard@example.org,,",
]
GOOD = {
    "member_number": "100000009",
    "last_name": "Petit",
    "first_name": "Léa",
    "birth_date": "1988-03-21",
    "email": "lea.petit@example.org",
    "phone": "+33656789012",
    "contracts": "health",
}


def csv_file(tmp_path: Path, *lines: str, name: str = "members.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(**changes: str) -> str:
    return ",".join({**GOOD, **changes}.values())


def member(number: str) -> Member:
    found = db.session.scalar(select(Member).where(Member.member_number == number))
    assert found is not None
    return found


def member_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Member)) or 0


def import_events() -> list[dict[str, object]]:
    """Details of the import audit events (other events, e.g. client sync, are ignored)."""
    query = select(AuditEvent).where(AuditEvent.event == "members.imported")
    return [event.detail for event in db.session.scalars(query.order_by(AuditEvent.id))]


def rejection(path: Path) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        import_members(path)
    return caught.value.problems


# --- a good file --------------------------------------------------------------------------------


def test_good_file_is_imported_normalised(app: Flask, tmp_path: Path) -> None:
    report = import_members(csv_file(tmp_path, HEADER, *ROWS))

    assert report == ImportReport(created=3, updated=0, unchanged=0)
    camille = member("100000001")
    assert (camille.first_name, camille.last_name) == ("Camille", "Martin")
    assert camille.birth_date == date(1980, 4, 12)
    assert camille.email == "camille.martin@example.org"
    assert camille.phone == "+33612345678"
    assert camille.contracts == "health;provident"
    assert not camille.active
    jeanne = member("100000002")
    assert (jeanne.last_name, jeanne.first_name, jeanne.email) == ("D'Arc", "Élodie-Anne", None)
    lucas = member("100000003")
    assert (lucas.phone, lucas.contracts) == (None, "")


def test_import_is_audited(app: Flask, tmp_path: Path) -> None:
    import_members(csv_file(tmp_path, HEADER, *ROWS))

    assert import_events() == [{"created": 3, "updated": 0, "unchanged": 0}]


def test_shipped_example_file_is_valid(app: Flask) -> None:
    report = import_members(PROJECT_ROOT / "examples" / "members.csv")

    assert report.created >= 10
    assert member("100000001").phone == "+33612345678"


def test_reimporting_the_same_file_changes_nothing(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, *ROWS)
    import_members(path)

    assert import_members(path) == ImportReport(created=0, updated=0, unchanged=3)


def test_changed_row_is_updated_and_keeps_the_account(app: Flask, tmp_path: Path) -> None:
    import_members(csv_file(tmp_path, HEADER, *ROWS))
    camille = member("100000001")
    camille.password_hash = "argon2-hash-kept"
    camille.activated_at = utcnow()
    db.session.commit()
    subject = camille.subject

    moved = ROWS[0].replace("06 12 34 56 78", "+33699999999")
    report = import_members(csv_file(tmp_path, HEADER, moved, *ROWS[1:], row()))

    assert report == ImportReport(created=1, updated=1, unchanged=2)
    camille = member("100000001")
    assert camille.phone == "+33699999999"
    assert (camille.password_hash, camille.subject) == ("argon2-hash-kept", subject)
    assert camille.active


# --- a bad file is rejected whole ---------------------------------------------------------------


def test_one_bad_row_rejects_the_whole_file(app: Flask, tmp_path: Path) -> None:
    import_members(csv_file(tmp_path, HEADER, *ROWS))
    changed = ROWS[0].replace("Camille", "Camilla")
    path = csv_file(
        tmp_path,
        HEADER,
        changed,
        row(birth_date="1980-13-01"),
        ROWS[1],
        row(member_number="100000010", phone="12345"),
    )

    assert rejection(path) == [
        (3, "birth_date '1980-13-01' is not a valid YYYY-MM-DD date"),
        (5, "phone '12345' is neither E.164 (+33612345678) nor French national (06 12 34 56 78)"),
    ]
    assert member_count() == 3
    assert member("100000001").first_name == "Camille"
    assert len(import_events()) == 1


def test_every_problem_of_a_row_is_reported(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, row(member_number="", last_name="", email="a b@x.org"))

    assert rejection(path) == [
        (2, "member_number is required"),
        (2, "last_name is required"),
        (2, "email 'a b@x.org' is not a valid e-mail address"),
    ]


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"member_number": ""}, "member_number is required"),
        ({"member_number": "12A45"}, "member_number '12A45' must contain digits only"),
        ({"member_number": "1234"}, "member_number '1234' must be 5 to 20 digits long"),
        ({"member_number": "1" * 21}, f"member_number '{'1' * 21}' must be 5 to 20 digits long"),
        ({"last_name": "  "}, "last_name is required"),
        ({"first_name": ""}, "first_name is required"),
        ({"first_name": "x" * 201}, "first_name is longer than 200 characters"),
        ({"birth_date": ""}, "birth_date is required"),
        ({"birth_date": "12/04/1980"}, "birth_date '12/04/1980' is not a valid YYYY-MM-DD date"),
        ({"birth_date": "1980-02-30"}, "birth_date '1980-02-30' is not a valid YYYY-MM-DD date"),
        ({"birth_date": "19800412"}, "birth_date '19800412' is not a valid YYYY-MM-DD date"),
        ({"birth_date": TOMORROW}, f"birth_date '{TOMORROW}' is in the future"),
        ({"birth_date": "1899-12-31"}, "birth_date '1899-12-31' is before 1900"),
        ({"email": "lea.petit"}, "email 'lea.petit' is not a valid e-mail address"),
        ({"email": "a@@example.org"}, "email 'a@@example.org' is not a valid e-mail address"),
        ({"email": "a@b@example.org"}, "email 'a@b@example.org' is not a valid e-mail address"),
        ({"email": "lea@localhost"}, "email 'lea@localhost' is not a valid e-mail address"),
        ({"email": "@example.org"}, "email '@example.org' is not a valid e-mail address"),
        ({"email": "a" * 310 + "@example.org"}, "is not a valid e-mail address"),
        ({"phone": "+3361234"}, "phone '+3361234' is neither E.164"),
        ({"phone": "+33 6 12 34 56 78 90 12 34"}, "is neither E.164"),
        ({"phone": "6 12 34 56 78"}, "phone '6 12 34 56 78' is neither E.164"),
        ({"phone": "06 12 34 56 7"}, "phone '06 12 34 56 7' is neither E.164"),
        ({"phone": "06/12/34/56/78"}, "phone '06/12/34/56/78' is neither E.164"),
        ({"contracts": "dental"}, "contracts value 'dental' is not one of health, provident"),
        ({"contracts": "health;auto"}, "contracts value 'auto' is not one of health, provident"),
    ],
)
def test_each_rule_names_the_column_and_value(
    app: Flask, tmp_path: Path, changes: dict[str, str], reason: str
) -> None:
    problems = rejection(csv_file(tmp_path, HEADER, row(**changes)))

    assert len(problems) == 1
    line, text = problems[0]
    assert line == 2
    assert reason in text
    assert member_count() == 0


@pytest.mark.parametrize(
    ("changes", "column", "stored"),
    [
        ({"phone": "+33612345678"}, "phone", "+33612345678"),
        ({"phone": "06.12.34.56.78"}, "phone", "+33612345678"),
        ({"phone": "06-12-34-56-78"}, "phone", "+33612345678"),
        ({"phone": "0612345678"}, "phone", "+33612345678"),
        ({"phone": "+14155552671"}, "phone", "+14155552671"),
        ({"email": " Lea.Petit@EXAMPLE.org "}, "email", "lea.petit@example.org"),
        ({"contracts": "provident;health;health"}, "contracts", "health;provident"),
        ({"contracts": "Health"}, "contracts", "health"),
        ({"contracts": ""}, "contracts", ""),
        ({"last_name": "  Le Goff "}, "last_name", "Le Goff"),
    ],
)
def test_accepted_values_are_stored_normalised(
    app: Flask, tmp_path: Path, changes: dict[str, str], column: str, stored: str
) -> None:
    import_members(csv_file(tmp_path, HEADER, row(**changes)))

    assert getattr(member(GOOD["member_number"]), column) == stored


def test_member_number_twice_in_a_file_names_the_first_line(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, row(), *ROWS, row(first_name="Lou"))

    assert rejection(path) == [(6, "member_number 100000009 already appears on line 2")]
    assert member_count() == 0


def test_wrong_number_of_fields(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, row(), "100000010,Petit,Léa,1988-03-21,,", row() + ",extra")

    assert rejection(path) == [
        (3, "expected 7 fields, found 6"),
        (4, "expected 7 fields, found 8"),
    ]


def test_blank_lines_are_ignored_and_lines_counted(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, "", ROWS[0], "   ", "", ROWS[1], row(phone="1"))

    assert rejection(path) == [
        (7, "phone '1' is neither E.164 (+33612345678) nor French national (06 12 34 56 78)")
    ]


def test_unreadable_csv_is_rejected_with_its_line(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, row(), row(first_name="x" * 200_000))

    assert rejection(path) == [
        (3, "the line cannot be read as CSV: field larger than field limit (131072)")
    ]


# --- header and encoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (
            "member_number,last_name,first_name,birth_date,email,phone",
            [(1, "missing column 'contracts'")],
        ),
        (HEADER + ",comment", [(1, "unknown column 'comment'")]),
        (
            HEADER.replace("email", "e-mail"),
            [(1, "unknown column 'e-mail'"), (1, "missing column 'email'")],
        ),
        (HEADER + ",phone", [(1, "column 'phone' appears twice")]),
    ],
)
def test_header_problems_are_on_line_1(
    app: Flask, tmp_path: Path, header: str, problems: list[tuple[int, str]]
) -> None:
    assert rejection(csv_file(tmp_path, header, row())) == problems


def test_empty_file_is_rejected(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    assert rejection(path) == [(1, f"the file is empty: expected header {HEADER}")]


def test_columns_may_come_in_any_order(app: Flask, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "contracts,phone,email,birth_date,first_name,last_name,member_number",
        "health,06 12 34 56 78,lea@example.org,1988-03-21,Léa,Petit,100000009",
    )

    assert import_members(path).created == 1
    lea = member("100000009")
    assert (lea.last_name, lea.phone, lea.contracts) == ("Petit", "+33612345678", "health")


def test_utf8_bom_and_semicolon_delimiter(app: Flask, tmp_path: Path) -> None:
    text = (
        HEADER.replace(",", ";")
        + '\r\n100000001;Martin;Élodie-Anne;1980-04-12;;06 12 34 56 78;"health;provident"\r\n'
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert import_members(path).created == 1
    elodie = member("100000001")
    assert (elodie.first_name, elodie.contracts) == ("Élodie-Anne", "health;provident")


def test_text_stream_is_accepted(app: Flask) -> None:
    stream = io.StringIO("\ufeff" + HEADER + "\n" + row() + "\n")

    assert import_members(stream) == ImportReport(created=1, updated=0, unchanged=0)


def test_non_utf8_file_is_rejected_with_its_line(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "\n" + row() + "\n" + row(first_name="Léo") + "\n").encode("latin-1")
    )

    assert rejection(path) == [(2, "the file is not UTF-8 text")]


# --- sign-in lookup and the demo member ---------------------------------------------------------


def test_find_member_by_identifier(app: Flask, tmp_path: Path) -> None:
    import_members(
        csv_file(
            tmp_path,
            HEADER,
            *ROWS,
            row(member_number="100000004", email="shared@example.org"),
            row(member_number="100000005", email="Shared@example.org"),
        )
    )

    assert find_member_by_identifier(" 100000001 ") == member("100000001")
    assert find_member_by_identifier("CAMILLE.martin@example.ORG") == member("100000001")
    assert find_member_by_identifier("shared@example.org") is None
    assert find_member_by_identifier("999999999") is None
    assert find_member_by_identifier("nobody@example.org") is None
    assert find_member_by_identifier("Martin") is None
    assert find_member_by_identifier("") is None


def test_demo_member_is_active_with_the_demo_password(app: Flask) -> None:
    ensure_demo_member(passwords=runtime().passwords)

    camille = member("100000001")
    assert camille.active
    assert (camille.first_name, camille.last_name) == ("Camille", "Martin")
    assert camille.birth_date == date(1980, 4, 12)
    assert (camille.email, camille.phone) == ("camille.martin@example.org", "+33612345678")
    assert camille.contracts == "health;provident"
    assert camille.password_changed_at is not None
    assert runtime().passwords.verify(camille.password_hash, DEMO_PASSWORD)
    assert DEMO_PASSWORD == "Correct-Horse-42"


def test_demo_member_bootstrap_is_idempotent(app: Flask) -> None:
    import_members(PROJECT_ROOT / "examples" / "members.csv")
    ensure_demo_member(passwords=runtime().passwords)
    first = member("100000001")
    state = (first.password_hash, first.activated_at, first.password_changed_at, first.subject)

    ensure_demo_member(passwords=runtime().passwords)

    again = member("100000001")
    assert (again.password_hash, again.activated_at, again.password_changed_at, again.subject) == (
        state
    )
    assert member_count() == import_members(PROJECT_ROOT / "examples" / "members.csv").unchanged


def test_bootstrap_refuses_a_production_instance(app: Flask) -> None:
    """The demo member has a published password: a production instance never gets it."""
    rt = runtime()
    rt.settings = replace(rt.settings, server=replace(rt.settings.server, env="production"))
    result = app.test_cli_runner().invoke(args=["dev", "bootstrap"])
    assert result.exit_code == 1
    assert "`idp dev bootstrap` is for development only." in result.output
    assert member_count() == 0


def test_demo_member_gets_the_demo_password_back(app: Flask) -> None:
    ensure_demo_member(passwords=runtime().passwords)
    camille = member("100000001")
    camille.password_hash = runtime().passwords.hash("Another-Pass-99")
    db.session.commit()

    ensure_demo_member(passwords=runtime().passwords)

    assert runtime().passwords.verify(member("100000001").password_hash, DEMO_PASSWORD)


# --- the command line ---------------------------------------------------------------------------


def test_cli_reports_bad_lines_and_exits_1(app: Flask, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, HEADER, row(), row(member_number="100000010", birth_date="1980-13-01")
    )

    result = app.test_cli_runner().invoke(args=["members", "import", str(path)])

    assert result.exit_code == 1
    assert f"{path}:3: birth_date '1980-13-01' is not a valid YYYY-MM-DD date" in result.output
    assert "Nothing imported: 1 bad row(s)." in result.output
    assert member_count() == 0


def test_cli_prints_the_counts(app: Flask, tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER, *ROWS)
    runner = app.test_cli_runner()
    runner.invoke(args=["members", "import", str(path)])

    result = runner.invoke(
        args=["members", "import", str(csv_file(tmp_path, HEADER, *ROWS, row()))]
    )

    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 3 unchanged." in result.output

"""The password policy: each rule passes and fails, every failure is reported, the
mutual and NIST profiles, the rules shown before typing."""

from __future__ import annotations

from datetime import date

import pytest

from idp.accounts.policy import (
    PasswordRejected,
    check_password,
    is_common,
    password_rules_attributes,
    rules,
)
from idp.authenticators.password import PasswordHashing
from idp.config import PasswordHashSettings, PasswordPolicySettings
from idp.models import Member

MUTUAL = PasswordPolicySettings()
NIST = PasswordPolicySettings(profile="nist")
GOOD = "Tulipe-Orage-73"  # 15 characters, 4 classes, not common, not personal


@pytest.fixture(scope="module")
def hashing() -> PasswordHashing:
    return PasswordHashing(PasswordHashSettings())


def a_member(**overrides: object) -> Member:
    values: dict[str, object] = {
        "member_number": "100000042",
        "last_name": "Lefèvre-Dupont",
        "first_name": "Élodie",
        "birth_date": date(1985, 3, 7),
        "email": "e.lefevre@example.fr",
    }
    return Member(**(values | overrides))


def failures(
    password: str,
    *,
    member: Member | None = None,
    policy: PasswordPolicySettings = MUTUAL,
    previous: list[str] | None = None,
    hashing: PasswordHashing | None = None,
) -> list[str]:
    """The failed rules' keys, [] when the password is accepted."""
    try:
        check_password(
            password,
            member=member or a_member(),
            policy=policy,
            previous_hashes=previous or [],
            hashing=hashing or PasswordHashing(PasswordHashSettings(memory_kib=8, time_cost=1)),
        )
    except PasswordRejected as rejected:
        assert rejected.message == "password.rejected"
        return rejected.keys
    return []


def test_a_good_password_is_accepted() -> None:
    assert failures(GOOD) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Tulipe-Or73", ["password.fail.too_short"]),  # 11
        ("Tulipe-Ora73", []),  # 12
        ("Tulipe-Orage-73-Tulipe-Orag-73", []),  # 30
        ("Tulipe-Orage-73-Tulipe-Orage-73", ["password.fail.too_long"]),  # 31
        ("Tulipe-Ora7é", []),  # 12 characters, 13 bytes in UTF-8
        ("Tulipe-Ora7e\u0301", []),  # "é" decomposed is still one character
    ],
)
def test_length_counts_characters(password: str, expected: list[str]) -> None:
    assert failures(password) == expected


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("tulipeorage73", False),  # lower, digit
        ("TULIPE ORAGE", False),  # upper, special (space)
        ("tulipe-orage-", False),  # lower, special
        ("Tulipeorage73", True),  # upper, lower, digit
        ("tulipe orage73", True),  # the space is a special character
        ("tulipe«orage»73", True),  # so is French punctuation
        ("ÉTÉ-orageux-vert", True),  # accented capitals are upper case
        ("ÉCLAIR-ÉTÉ-73", True),  # upper, special, digit
        ("éclairétépâle73", False),  # accented letters are lower case: lower, digit
    ],
)
def test_three_of_four_classes(password: str, accepted: bool) -> None:
    assert failures(password) == ([] if accepted else ["password.fail.classes"])


@pytest.mark.parametrize(
    "password",
    [
        "azertyuiop12",  # in the list as is (any case)
        "AZERTYUIOP12",
        "Azerty123456!",  # the base "azerty" once digits and symbols are stripped
        "!!Motdepasse2024",
        "Motdepasse-2024",
        "Marseille13!!!",
        "Prévoyance2024!",  # a French addition
        "Password1234!",
        "Sécurité2024!",
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert "password.fail.common" in failures(password)


@pytest.mark.parametrize("password", ["Correct-Horse-42", GOOD, "Ab1!Ab1!Ab1!"])
def test_uncommon_passwords_pass(password: str) -> None:
    assert failures(password) == []


@pytest.mark.parametrize(
    "password",
    ["Ma-Mutuelle-Bleue-7", "Adhérent#Fidèle42", "mon-ESPACE-santé-9", "Prevoyance+Famille1"],
)
def test_the_mutuals_own_words_are_refused_anywhere(password: str) -> None:
    assert "password.fail.context" in failures(password)


def test_the_brands_name_is_refused_too() -> None:
    from idp.accounts.policy import is_contextual

    assert is_contextual("Harmonie-Bleue-2024", "Mutuelle Harmonie")
    assert not is_contextual("Harmonie-Bleue-2024", "")
    assert not is_contextual("Tournesol-Bleu-2024", "Mutuelle Harmonie")


def test_short_stripped_bases_are_not_checked() -> None:
    # "abc" and "sun" are common but a base under 4 characters says too little on its own.
    assert not is_common("123abc!!!!!")
    assert not is_common("2024Sun#")
    assert is_common("love1234")  # in the list as is


@pytest.mark.parametrize(
    "password",
    [
        "elodie2024!X-vert",  # first name without its accent
        "ELODIE-orage-73",
        "Orage-Élodie-73",
        "Lefevre-orage-73",  # each part of a hyphenated last name
        "Dupont-orage-73",
        "orage-LEFÈVRE-73",
        "Orage-100000042",  # member number
        "Orage-1985-vert",  # birth year
        "Orage-07031985x",  # DDMMYYYY
        "Orage-070385-xY",  # DDMMYY
        "Orage-19850307x",  # YYYYMMDD
        "Orage-07/03/1985",  # DD/MM/YYYY
        "Orage-07-03-1985",  # DD-MM-YYYY
    ],
)
def test_personal_data_is_refused(password: str) -> None:
    assert failures(password) == ["password.fail.personal"]


@pytest.mark.parametrize(
    ("member", "password"),
    [
        (a_member(first_name="Al", last_name="Ng"), "Alpha-Ngorongoro-7"),  # short parts skipped
        (a_member(last_name="D'Artagnan"), "D-Orage-Tulipe-7"),  # "D" alone does not count
        (a_member(email="al@example.fr"), "Tulipe-al-Orage-7"),  # local part under 4 characters
        (a_member(birth_date=date(1985, 3, 7)), "Tulipe-1986-Orage"),  # another year
    ],
)
def test_personal_data_rule_passes(member: Member, password: str) -> None:
    assert failures(password, member=member) == []


def test_email_local_part_is_refused() -> None:
    member = a_member(email="Bleu.Ciel@example.fr")
    assert failures("Orage-bleu.ciel-7", member=member) == ["password.fail.personal"]
    assert failures("Orage-bleu-ciel-7", member=member) == []


def test_apostrophe_names_are_split() -> None:
    member = a_member(last_name="D’Artagnan-Ménard")
    assert failures("Artagnan-Orage-7", member=member) == ["password.fail.personal"]
    assert failures("menard-Orage-7", member=member) == ["password.fail.personal"]


def test_every_failure_is_reported_in_rule_order(hashing: PasswordHashing) -> None:
    member = a_member(first_name="Soleil", password_hash=hashing.hash("soleil"))
    assert failures("soleil", member=member, hashing=hashing) == [
        "password.fail.too_short",
        "password.fail.classes",
        "password.fail.common",
        "password.fail.personal",
        "password.fail.reused",
    ]


def test_failures_carry_their_format_values() -> None:
    with pytest.raises(PasswordRejected) as caught:
        check_password(
            "x" * 31,
            member=a_member(),
            policy=PasswordPolicySettings(history=0),
            previous_hashes=[],
            hashing=PasswordHashing(PasswordHashSettings(memory_kib=8, time_cost=1)),
        )
    assert caught.value.failures == [
        ("password.fail.too_long", {"max": 30}),
        ("password.fail.classes", {"count": 3}),
    ]


def test_reuse_of_the_current_password(hashing: PasswordHashing) -> None:
    member = a_member(password_hash=hashing.hash(GOOD))
    assert failures(GOOD, member=member, hashing=hashing) == ["password.fail.reused"]
    assert failures("Tulipe-Orage-74", member=member, hashing=hashing) == []


def test_reuse_of_a_previous_password(hashing: PasswordHashing) -> None:
    member = a_member(password_hash=hashing.hash("Tulipe-Orage-99"))
    previous = [hashing.hash(f"Tulipe-Orage-{n}") for n in (80, 81, 82)]
    assert failures("Tulipe-Orage-82", member=member, previous=previous, hashing=hashing) == [
        "password.fail.reused"
    ]


def test_only_the_newest_history_passwords_count(hashing: PasswordHashing) -> None:
    # The last 3 passwords: the current one, then the two newest of the history.
    policy = PasswordPolicySettings(history=3)
    current = hashing.hash("Tulipe-Orage-90")
    previous = [hashing.hash(f"Tulipe-Orage-{n}") for n in (91, 92, 93)]  # newest first
    member = a_member(password_hash=current)
    for password, reused in [
        ("Tulipe-Orage-90", True),
        ("Tulipe-Orage-91", True),
        ("Tulipe-Orage-92", True),
        ("Tulipe-Orage-93", False),
    ]:
        expected = ["password.fail.reused"] if reused else []
        assert (
            failures(password, member=member, policy=policy, previous=previous, hashing=hashing)
            == expected
        ), password


def test_the_current_hash_repeated_in_the_history_counts_once(hashing: PasswordHashing) -> None:
    current = hashing.hash("Tulipe-Orage-90")
    previous = [current, hashing.hash("Tulipe-Orage-91")]
    policy = PasswordPolicySettings(history=2)
    assert failures(
        "Tulipe-Orage-91",
        member=a_member(password_hash=current),
        policy=policy,
        previous=previous,
        hashing=hashing,
    ) == ["password.fail.reused"]


def test_before_activation_the_history_alone_counts(hashing: PasswordHashing) -> None:
    previous = [hashing.hash("Tulipe-Orage-91")]
    member = a_member(password_hash=None)
    assert failures("Tulipe-Orage-91", member=member, previous=previous, hashing=hashing) == [
        "password.fail.reused"
    ]
    assert failures(GOOD, member=member, previous=previous, hashing=hashing) == []


def test_history_zero_disables_the_reuse_rule(hashing: PasswordHashing) -> None:
    member = a_member(password_hash=hashing.hash(GOOD))
    policy = PasswordPolicySettings(history=0)
    assert failures(GOOD, member=member, policy=policy, hashing=hashing) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("tulipeor", []),  # 8 characters, one class
        ("tulipeo", ["password.fail.too_short"]),
        ("tulipe orage vert pluie " + "x" * 40, []),  # 64 characters
        ("tulipe orage vert pluie " + "x" * 41, ["password.fail.too_long"]),  # 65, max 64
        ("azerty2024", ["password.fail.common"]),
        ("elodie-tulipe", ["password.fail.personal"]),
    ],
)
def test_nist_profile(password: str, expected: list[str]) -> None:
    assert failures(password, policy=NIST) == expected


def test_nist_profile_accepts_more_than_64_within_the_configured_maximum() -> None:
    policy = PasswordPolicySettings(profile="nist", max_length=128)
    assert failures("tulipe orage vert pluie " + "x" * 104, policy=policy) == []  # 128
    assert failures("tulipe orage vert pluie " + "x" * 105, policy=policy) == [
        "password.fail.too_long"
    ]


def test_configured_values_override_the_profile() -> None:
    policy = PasswordPolicySettings(min_length=16, min_classes=4)
    assert failures("Tulipe-Orage-73", policy=policy) == ["password.fail.too_short"]
    assert failures("Tulipe-Orage-vert", policy=policy) == ["password.fail.classes"]
    assert failures("Tulipe-Orage-vert-73", policy=policy) == []


def test_rules_of_the_mutual_profile() -> None:
    assert rules(MUTUAL) == [
        ("password.rule.length", {"min": 12, "max": 30}),
        ("password.rule.classes", {"count": 3}),
        ("password.rule.not_common", {}),
        ("password.rule.not_personal", {}),
        ("password.rule.not_reused", {"count": 5}),
    ]


def test_rules_of_the_nist_profile_without_history() -> None:
    assert rules(PasswordPolicySettings(profile="nist", history=0)) == [
        ("password.rule.length", {"min": 8, "max": 64}),
        ("password.rule.not_common", {}),
        ("password.rule.not_personal", {}),
    ]


def test_hint_attributes() -> None:
    assert password_rules_attributes(MUTUAL) == {
        "data-password-rules": "",
        "data-min-length": "12",
        "data-max-length": "30",
        "data-min-classes": "3",
    }
    assert password_rules_attributes(NIST)["data-min-classes"] == "0"


def test_every_message_is_in_both_catalogs() -> None:
    from idp.web.catalog import EN, FR
    from idp.web.i18n import translate_in

    keys = {key for key, _ in rules(MUTUAL)} | {
        "password.rejected",
        *(
            f"password.fail.{name}"
            for name in ("too_short", "too_long", "classes", "common", "personal", "reused")
        ),
    }
    for catalog in (FR, EN):
        for key in keys:  # as it is, or in the singular and the plural (a count of rules)
            assert key in catalog or {f"{key}.one", f"{key}.other"} <= catalog.keys(), key
    for key, values in rules(MUTUAL):
        assert "{" not in translate_in("fr", key, **values)

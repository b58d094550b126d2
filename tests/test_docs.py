"""The security documents name tests and code by path (docs/security.md's item-by-item
tables): each named test exists, each named module exists, so a renamed test cannot leave a
requirement pointing at nothing."""

from __future__ import annotations

import re

import pytest

from idp.config import PROJECT_ROOT

DOCS = ("docs/security.md", "docs/sessions.md")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
CODE_REFERENCE = re.compile(r"`((?:idp|tests)/[\w/]+\.py)(?:[:`])")


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_named_in_the_security_documents_exists(doc: str) -> None:
    text = (PROJECT_ROOT / doc).read_text(encoding="utf-8")
    named = set(TEST_REFERENCE.findall(text))
    assert named or doc != "docs/security.md"
    missing = []
    for path, name in sorted(named):
        source = PROJECT_ROOT / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, missing


@pytest.mark.parametrize("doc", DOCS)
def test_every_module_named_in_the_security_documents_exists(doc: str) -> None:
    text = (PROJECT_ROOT / doc).read_text(encoding="utf-8")
    missing = sorted({p for p in CODE_REFERENCE.findall(text) if not (PROJECT_ROOT / p).exists()})
    assert not missing, missing

"""schemathesis against the admin API's own OpenAPI document (docs/security.md, "Admin and
form input"): generated requests for every operation, valid and invalid, never get a 5xx,
and every answer matches what the document says it returns. Deterministic (derandomized)
and bounded, so CI gives the same verdict every run."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.admin.service_caller import ADMIN_SERVICE, provider, service_token

EXAMPLES = 15  # per operation: about a minute for the whole API
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)  # valid requests, then invalid
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def admin_api(database_url: str) -> Iterator[tuple[str, str]]:
    with provider(database_url) as served:
        yield served.url, service_token(served, ADMIN_SERVICE)


def test_no_operation_fails_or_breaks_its_contract(admin_api: tuple[str, str]) -> None:
    url, token = admin_api
    schema = schemathesis.openapi.from_url(f"{url}/admin/api/openapi.json")
    failures: list[str] = []
    operations = 0
    for result, mode in product(schema.get_all_operations(), MODES):
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(
                base_url=f"{url}/admin/api",
                headers={"Authorization": f"Bearer {token}"},
                checks=CHECKS,
            )

        try:
            run()
        except Unsatisfiable:
            continue  # nothing in this operation's document can be made invalid
        except Exception as failure:  # collected, reported together below
            failures.append(f"{operation.label} ({mode.value}): {str(failure)[:600]}")
    assert operations >= 10, operations  # the whole document was read
    assert failures == [], "\n\n".join(failures)

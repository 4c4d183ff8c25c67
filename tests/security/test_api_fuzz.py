"""The whole API against generated input: no request, of any role, gets a 500.

Schemathesis reads the OpenAPI document and generates requests for every operation, valid
and invalid (wrong types, missing fields, odd strings, NUL characters), sent to the
application's WSGI entry point (the whole middleware stack, in this process) as each role:
anonymous, member, chamber staff, node admin. A handful of examples per operation keeps the
run to a minute or two; the API rate limit is lifted for it. Any 5xx is collected with the
request that caused it, and the test fails listing them all.
"""

from __future__ import annotations

import contextlib
import zlib
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

EXAMPLES = 6  # per operation, role and mode

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def roles(member: Any, staff_az: Any, admin_user: Any, token_for: Any) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        **{
            name: {"Authorization": f"Bearer {token_for(user)}"}
            for name, user in (("member", member), ("staff", staff_az), ("admin", admin_user))
        },
    }


def _fuzz(
    operation: Any, mode: GenerationMode, role: str, headers: dict[str, str], failures: list[str]
) -> None:
    # A seed of its own for each operation, role and mode: reproducible, and not the same
    # few examples everywhere.
    @seed(zlib.crc32(f"{operation.label} {role} {mode.value}".encode()))
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{role} {mode.value}: {case.method} {case.formatted_path} "
                f"query={case.query!r} body={getattr(case, 'body', None)!r} "
                f"-> {response.status_code} {response.text[:200]}"
            )

    # Nothing invalid can be made for an operation without input, in negative mode.
    with contextlib.suppress(Unsatisfiable):
        check()


def test_no_input_makes_the_api_fail(settings_override, roles):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: list[str] = []
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) > 20  # the document itself is valid OpenAPI
    for operation in operations:
        for role, headers in roles.items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, role, headers, failures)
    assert failures == []


@pytest.fixture
def settings_override(settings: Any) -> None:
    settings.API_RATE_LIMIT = "1000000/s"  # lifted for this run only
    settings.BUREAU_WEBHOOK_ALLOW_PRIVATE = True  # generated host names are not looked up

"""The API holds up to generated requests: schemathesis over /api/v1/openapi.json, per role.

For every operation of the OpenAPI document, schemathesis generates requests (valid ones and
invalid ones) and sends them through the WSGI application with a bearer token of one role (or
none). Each answer must be:

- no server error (5xx);
- a status code and a body the document declares for that operation;
- for every 4xx, the error body ``{code, message, errors}`` (decision 0008).

CI runs ``FREGUES_FUZZ_EXAMPLES`` (default 2) examples per operation and generation mode; the
longer run in docs/reliability.md sets it higher. Outbound network is blocked: a generated
webhook or provider address must never be called.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fregues.core.permissions import ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FREGUES_FUZZ_EXAMPLES", "2"))
SEED = int(os.environ.get("FREGUES_FUZZ_SEED", "20261206"))
ERROR_KEYS = {"code", "message", "errors"}


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx answer is the documented error body ``{code, message, errors}``."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body") from None
    assert isinstance(body, dict), f"{response.status_code} body is not an object: {body!r}"
    missing = ERROR_KEYS - set(body)
    assert not missing, f"{response.status_code} body lacks {sorted(missing)}: {body!r}"
    assert isinstance(body["code"], str) and isinstance(body["message"], str), body
    assert isinstance(body["errors"], dict), body
    return None


@pytest.fixture
def no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the database may be reached: providers and webhook senders must not be called."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    allowed = {(db.get("HOST") or "", int(db.get("PORT") or 5432))}
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family == socket.AF_UNIX or tuple(address[:2]) in allowed:
            return real_connect(sock, address)
        raise ConnectionRefusedError(f"the fuzz test blocks outbound network ({address})")

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """Requests sent straight to the WSGI handler must not close the test's connection (Django's
    test client does the same)."""
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()  # no throttling left over from another test
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


CHECKS: list[Any] = []
_CASES: list[tuple[str, Any]] = []


def generated_cases() -> list[tuple[str, Any]]:
    """``EXAMPLES`` valid and ``EXAMPLES`` invalid requests per operation, generated once for the
    session (generating costs more than sending) and sent again with each role's token."""
    if _CASES:
        return _CASES
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from fregues.wsgi import application

    CHECKS[:] = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        error_shape,
    ]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            drawn: list[Any] = []

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def draw(case: Any) -> None:
                drawn.append(case)  # noqa: B023 - draw() runs within this iteration

            # Unsatisfiable: no invalid request exists (e.g. an operation without input)
            with contextlib.suppress(Unsatisfiable):
                draw()
            _CASES.extend((f"{operation.label} [{mode.value}]", case) for case in drawn)
    return _CASES


def fuzz(headers: dict[str, str]) -> list[str]:
    """Sends every generated request with ``headers``; returns one line per failure."""
    failures: list[str] = []
    for label, case in generated_cases():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect every failure, report all
            failures.append(f"{label}: " + "\n    ".join(str(exc).strip().splitlines()[:14]))
    return failures


@pytest.fixture
def fuzz_as(
    make_user: Callable[..., Any], no_outbound_network: None, wsgi_in_test_transaction: None
) -> Callable[[str | None], list[str]]:
    from fregues.accounts.services import token_create

    def run(role: str | None) -> list[str]:
        headers = {}
        if role is not None:
            token = token_create(actor=None, user=make_user(role), name="fuzz")
            headers["Authorization"] = f"Bearer {token}"
        return fuzz(headers)

    return run


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_every_operation_answers_as_documented(
    fuzz_as: Callable[[str | None], list[str]], role: str | None
) -> None:
    failures = fuzz_as(role)
    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(failures)

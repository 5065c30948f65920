"""The API holds up to generated requests: schemathesis over /api/v1/openapi.json, per role.

For every operation of the OpenAPI document, schemathesis generates requests (valid ones and
invalid ones) and sends them through the WSGI application with a bearer token of one role (or
none). Each answer must be:

- no server error (5xx);
- a status code and a body the document declares for that operation;
- for every 4xx, the error body ``{code, message, errors}`` (decision 0008).

The requests are generated once per session (generating costs more than sending) and sent
with each caller's token. In CI (``FREGUES_FUZZ_EXAMPLES`` unset) each operation gets one valid
and one invalid request, and the roles take turns: operation *i* is sent, valid, as role
``i mod 7`` and, invalid, as role ``i+1 mod 7`` (the anonymous caller is the seventh), so every
operation and every role is fuzzed within the CI budget. The long run
(``FREGUES_FUZZ_EXAMPLES=50``, docs/reliability.md) sends every request as every role.
Outbound network is blocked: a generated webhook or provider address must never be called.
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

EXAMPLES = int(os.environ.get("FREGUES_FUZZ_EXAMPLES", "0"))
LONG_RUN = EXAMPLES > 0
CALLERS: list[str | None] = [*ROLES, None]
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
_CASES: list[tuple[str, int, Any]] = []


def can_be_invalid(operation: Any) -> bool:
    """False when no invalid request exists: no body and only free-text path parameters (or
    none). Hypothesis would spend seconds proving it."""
    if operation.body:
        return True
    for parameter in operation.iter_parameters():
        definition = parameter.definition
        free_text = set(definition.get("schema", {})) <= {"type", "title", "description"}
        if definition.get("in") != "path" or definition["schema"].get("type") != "string":
            return True
        if not free_text:
            return True
    return False


def generated_cases() -> list[tuple[str, int, Any]]:
    """``(label, turn, case)``: ``EXAMPLES`` (CI: 1) valid and invalid requests per operation,
    generated once for the session; ``turn`` says which caller sends it in CI."""
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
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        for shift, mode in enumerate((GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
            if mode == GenerationMode.NEGATIVE and not can_be_invalid(operation):
                continue
            drawn: list[Any] = []

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES or 1,
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
            turn = (index + shift) % len(CALLERS)
            _CASES.extend((f"{operation.label} [{mode.value}]", turn, case) for case in drawn)
    return _CASES


def fuzz(caller: str | None, headers: dict[str, str]) -> list[str]:
    """Sends the generated requests that are ``caller``'s (all of them in the long run) with
    ``headers``; returns one line per failure."""
    from django.db import transaction

    failures: list[str] = []
    mine = CALLERS.index(caller)
    for label, turn, case in generated_cases():
        if not LONG_RUN and turn != mine:
            continue
        try:
            # a savepoint per request: a database error in one answer (a 500, reported) must
            # not abort the test's transaction and fail every request after it
            with transaction.atomic():
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
        return fuzz(role, headers)

    return run


@pytest.mark.parametrize("role", CALLERS, ids=[*ROLES, "anonymous"])
def test_every_operation_answers_as_documented(
    fuzz_as: Callable[[str | None], list[str]], role: str | None
) -> None:
    failures = fuzz_as(role)
    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(failures)

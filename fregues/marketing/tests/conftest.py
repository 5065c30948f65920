"""Fixtures shared by the marketing tests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture
def in_english() -> Iterator[None]:
    """Messages in English, for tests that read what a service said (the UI's default
    language is pt-BR; the translations are checked by their own tests)."""
    with translation.override("en"):
        yield


# What PostgreSQL runs around a segment's query without reading data: the transaction
# (savepoint) that scopes ``SET LOCAL jit = off`` (fregues.marketing.segments).
_PLANNING = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL jit")


@pytest.fixture
def data_queries(django_assert_num_queries: Any) -> Callable[[int], Any]:
    """``with data_queries(1): ...`` fails unless exactly that many statements read or wrote
    data (on SQLite, exactly that many statements at all)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextlib.contextmanager
    def check(expected: int) -> Iterator[None]:
        if connection.vendor == "sqlite":
            with django_assert_num_queries(expected):
                yield
            return
        with CaptureQueriesContext(connection) as context:
            yield
        statements = [
            q["sql"] for q in context.captured_queries if not q["sql"].startswith(_PLANNING)
        ]
        assert len(statements) == expected, statements

    return check


@pytest.fixture
def marketing_api(marketer: Any, api_for: Callable[[Any], Any]) -> Any:
    """The marketer's API client, asking for English (the API answers pt-BR when the client
    asks for no language; the translations are checked by their own tests)."""
    client = api_for(marketer)
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client

"""Fixtures shared by the marketing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture
def in_english() -> Iterator[None]:
    """Messages in English, for tests that read what a service said (the UI's default
    language is pt-BR; the translations are checked by their own tests)."""
    with translation.override("en"):
        yield

"""Fixtures of the portal tests: a browser-like client signed in as one customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fregues.portal.services import portal_session_open

from .sms import RecordingSms


@pytest.fixture
def portal_client(db: None) -> Callable[..., Client]:
    """``portal_client(party, language="en")``: a Client signed in to the portal as that
    customer (through the real session service and cookie), speaking that language."""

    def make(party: Any, language: str = "en") -> Client:
        client = Client(headers={"Accept-Language": language})
        _session, raw = portal_session_open(party=party, ip="127.0.0.1")
        client.cookies[settings.PORTAL_COOKIE_NAME] = raw
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


@pytest.fixture(autouse=True)
def _portal_clean_slate(settings: Any) -> None:
    """Rate limits live in the cache, SMS in the recording sender: each test starts empty."""
    from django.core.cache import cache

    cache.clear()
    RecordingSms.outbox.clear()
    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "sms": "fregues.portal.tests.sms.RecordingSms",
    }


@pytest.fixture
def sms_outbox() -> list[dict[str, str]]:
    return RecordingSms.outbox

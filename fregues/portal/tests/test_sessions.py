"""Portal sessions: the portal cookie signs a customer in, nothing else does."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.parties.tests.factories import PartyFactory
from fregues.portal.models import PortalSession

pytestmark = pytest.mark.django_db


def test_a_signed_in_customer_sees_their_home_and_signs_out(
    portal_client: Callable[..., Client],
) -> None:
    ana = PartyFactory(name="Ana Souza", given_name="Ana")
    client = portal_client(ana)
    page = client.get("/portal/")
    assert page.status_code == 200 and "Hello, Ana" in page.content.decode()
    assert client.get("/api/v1/portal/me").json()["party_id"] == ana.pk

    assert client.post("/portal/sign-out").status_code == 302
    assert client.get("/portal/")["Location"].startswith("/portal/sign-in?next=/portal/")
    assert client.get("/api/v1/portal/me").status_code == 401
    assert AuditEntry.objects.filter(action="portal.session_end", party_id=ana.pk).exists()


def test_staff_sign_in_is_not_a_portal_sign_in(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    assert client.get("/portal/").status_code == 302
    assert client.get("/api/v1/portal/me").status_code == 401


def test_an_expired_or_forged_cookie_is_nobody(portal_client: Callable[..., Client]) -> None:
    client = portal_client(PartyFactory())
    PortalSession.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/portal/me").status_code == 401
    forged = Client()
    forged.cookies[settings.PORTAL_COOKIE_NAME] = "x" * 43
    assert forged.get("/portal/").status_code == 302


def test_a_merged_customer_is_signed_out(portal_client: Callable[..., Client]) -> None:
    survivor = PartyFactory()
    merged = PartyFactory(merged_into=survivor)
    assert portal_client(merged).get("/api/v1/portal/me").status_code == 401

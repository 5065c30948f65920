"""Case types marked public are the ones customers open themselves in the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.service.models import CaseType

pytestmark = pytest.mark.django_db


def test_the_seeded_types_customers_ask_for_are_public(api: Any) -> None:
    assert set(CaseType.objects.filter(is_public=True).values_list("code", flat=True)) == {
        "technical-assistance",
        "licence-request",
    }
    types = {t["code"]: t for t in api.get("/case-types").json()}
    assert types["technical-assistance"]["is_public"] is True


def test_the_configuration_screen_says_whether_customers_open_a_type(admin: Any) -> None:
    CaseType.objects.filter(code="licence-request").update(is_public=False)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    page = client.get("/cases/configuration/").content.decode()
    assert "Customers open it in the portal" in page
    assert "No, staff only" in page

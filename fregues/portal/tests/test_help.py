"""Help and suggestions: public articles only, in the customer's language; suggestions land on
the customer's timeline and in the staff's list, which only the right roles may read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory
from fregues.portal.models import Suggestion
from fregues.service.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_the_search_finds_only_public_published_articles_in_the_customers_language(
    portal_client: Callable[..., Client],
) -> None:
    ArticleFactory(title="How to return a product", slug="return", language="en", is_public=True)
    ArticleFactory(title="Return fraud checklist", slug="fraud", language="en", is_public=False)
    ArticleFactory(
        title="Return draft", slug="draft", language="en", is_public=True, is_published=False
    )
    ArticleFactory(
        title="Como devolver (return)", slug="devolver", language="pt-br", is_public=True
    )
    client = portal_client(PartyFactory(), language="en")

    found = client.get("/api/v1/portal/help/articles", {"q": "return"}).json()
    assert [a["slug"] for a in found] == ["return"]
    page = client.get("/portal/help/?q=return").content.decode()
    assert "How to return a product" in page and "fraud" not in page.lower()
    assert client.get("/portal/help/return/").status_code == 200
    assert client.get("/portal/help/fraud/").status_code == 404
    assert client.get("/portal/help/draft/").status_code == 404

    portuguese = portal_client(PartyFactory(), language="pt-br")
    found = portuguese.get("/api/v1/portal/help/articles", {"q": "return"}).json()
    assert [a["slug"] for a in found] == ["devolver"]


def test_a_suggestion_lands_on_the_timeline_and_in_the_staff_list(
    portal_client: Callable[..., Client], api_as: Callable[..., Any], make_user: Any
) -> None:
    ana = PartyFactory(name="Ana Souza")
    client = portal_client(ana)
    sent = client.post(
        "/portal/help/", {"subject": "Open on Sundays", "body": "Please open on Sundays."}
    )
    assert sent.status_code == 302
    suggestion = Suggestion.objects.get()
    contact = Interaction.objects.get(pk=suggestion.interaction_id)
    assert contact.party_id == ana.pk and contact.channel == "portal" and contact.direction == "in"
    assert contact.subject == "Suggestion: Open on Sundays"

    api = client.post(
        "/api/v1/portal/suggestions",
        {"subject": "Parking", "body": "More parking"},
        "application/json",
    )
    assert api.status_code == 201 and api.json()["party_id"] == ana.pk
    empty = client.post(
        "/api/v1/portal/suggestions", {"subject": " ", "body": ""}, "application/json"
    )
    assert empty.status_code == 422 and set(empty.json()["errors"]) == {"subject", "body"}

    staff = Client()
    staff.force_login(make_user("agent", language="en"))
    staff.cookies["django_language"] = "en"  # the screens speak pt-BR unless one picks
    page = staff.get("/portal/staff/suggestions/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Open on Sundays" in page.content.decode() and "Ana Souza" in page.content.decode()
    assert "Customer feedback" in page.content.decode()
    rows = api_as("agent").get("/feedback/suggestions").json()
    assert [r["subject"] for r in rows] == ["Parking", "Open on Sundays"]


def test_the_staff_lists_need_the_permission(make_user: Any, api_as: Callable[..., Any]) -> None:
    marketer = Client()
    marketer.force_login(make_user("marketing"))
    assert marketer.get("/portal/staff/suggestions/").status_code == 403
    assert marketer.get("/portal/staff/customisations/").status_code == 403
    assert api_as("marketing").get("/feedback/customisations").status_code == 403
    assert Client().get("/portal/staff/suggestions/").status_code == 302
    assert api_as("agent").get("/feedback/customisations").status_code == 200


def test_suggestions_are_rate_limited(portal_client: Callable[..., Client], settings: Any) -> None:
    settings.PORTAL_WRITES_PER_HOUR = 2
    client = portal_client(PartyFactory())
    for i in range(2):
        ok = client.post(
            "/api/v1/portal/suggestions", {"subject": f"S{i}", "body": "x"}, "application/json"
        )
        assert ok.status_code == 201
    third = client.post(
        "/api/v1/portal/suggestions", {"subject": "S3", "body": "x"}, "application/json"
    )
    assert third.status_code == 429 and third.json()["code"] == "rate_limited"
    assert Suggestion.objects.count() == 2

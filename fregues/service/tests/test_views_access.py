"""The customer-service screens: who may see what (the login page for anonymous users,
manager screens by role, the links each role is shown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ._helpers import client_for, html, reload

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- who may see what


STAFF_PAGES = [
    ("service:list", []),
    ("service:create", []),
    ("service:similar", []),
    ("service:my_work", []),
    ("service:queues", []),
    ("service:sla_board", []),
    ("service:avoidable", []),
    ("service:satisfaction", []),
    ("service:reviews", []),
    ("service:review_create", []),
    ("service:configuration", []),
    ("service:kb_search", []),
    ("service:detail", ["2026-000001"]),
]


@pytest.mark.parametrize("name,args", STAFF_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(name: str, args: list[Any]) -> None:
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_posts_are_sent_to_the_login_page_and_change_nothing(open_case: Callable):
    case = open_case()
    for name in ("transition", "assign", "edit", "contact", "dispatch"):
        response = Client().post(reverse(f"service:{name}", args=[case.protocol]), {})
        assert response.status_code == 302, name
    assert reload(case).version == case.version


def test_the_public_pages_have_exactly_the_addresses_the_emails_print():
    assert reverse("service:track", args=["2026-000123"]) == "/track/2026-000123"
    assert reverse("service:survey", args=["abc:def"]) == "/csat/abc:def"
    assert reverse("service:partner_work_order", args=["t:o:k"]) == "/partner/work-orders/t:o:k"


@pytest.mark.parametrize(
    "page,allowed",
    [
        ("service:sla_board", {"quality_manager", "relationship_manager", "admin"}),
        ("service:avoidable", {"quality_manager", "relationship_manager", "admin"}),
        ("service:satisfaction", {"quality_manager", "relationship_manager", "admin"}),
        ("service:reviews", {"quality_manager", "relationship_manager", "admin"}),
        ("service:configuration", {"admin"}),
    ],
)
def test_manager_screens_are_for_their_roles(make_user: Callable, page: str, allowed: set[str]):
    for role in ("agent", "relationship_manager", "quality_manager", "sales", "marketing", "admin"):
        response = client_for(make_user(role)).get(reverse(page))
        assert response.status_code == (200 if role in allowed else 403), (page, role)


def test_the_service_links_follow_the_role(agent: Any, quality_manager: Any, admin: Any):
    agent_page = html(client_for(agent).get(reverse("service:my_work")))
    assert reverse("service:queues") in agent_page
    assert reverse("service:sla_board") not in agent_page
    assert reverse("service:configuration") not in agent_page
    qm_page = html(client_for(quality_manager).get(reverse("service:my_work")))
    assert reverse("service:sla_board") in qm_page
    admin_page = html(client_for(admin).get(reverse("service:configuration")))
    assert "/admin/service/queue/" in admin_page
    assert "/admin/service/slapolicy/" in admin_page
    assert "/admin/service/circuit/" in admin_page
    assert "/admin/service/businesscalendar/" in admin_page


def test_the_stylesheet_is_served_as_css():
    response = Client().get(reverse("service:stylesheet"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert ".sla-breached" in html(response)

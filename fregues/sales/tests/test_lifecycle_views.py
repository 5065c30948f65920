"""The lifecycle rules screen, the revenue panel on the customer page, and how an automatic
move shows its cause in the lifecycle history."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import LifecycleRule
from fregues.sales.services.lifecycle_rules import lifecycle_rules_apply
from fregues.sales.tests.factories import OrderFactory, add_lines

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_admin_sees_every_rule_with_its_sentence_and_the_backfill_hint(make_user: Any) -> None:
    page = client_for(make_user("admin")).get(reverse("sales:lifecycle_rules"))
    assert page.status_code == 200
    html = page.content.decode()
    for rule in LifecycleRule.objects.all():
        assert f'id="rule-{rule.pk}"' in html
    assert "365" in html and "fregues lifecycle backfill" in html
    setup = client_for(make_user("admin")).get(reverse("sales:setup")).content.decode()
    assert reverse("sales:lifecycle_rules") in setup


def test_admin_changes_a_parameter_and_switches_a_rule_off(make_user: Any) -> None:
    admin = client_for(make_user("admin"))
    rule = LifecycleRule.objects.get(kind="dormant")
    url = reverse("sales:lifecycle_rule_save", args=[rule.pk])
    response = admin.post(url, {f"rule-{rule.pk}-months": "6"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.months, rule.is_active) == (6, False)
    page = admin.get(reverse("sales:lifecycle_rules")).content.decode()
    assert 'value="6"' in page and 'class="toast' in page


def test_a_bad_parameter_shows_the_message_in_the_form(make_user: Any, unchanged: Any) -> None:
    admin = client_for(make_user("admin"))
    rule = LifecycleRule.objects.get(kind="satisfaction")
    url = reverse("sales:lifecycle_rule_save", args=[rule.pk])
    with unchanged():
        response = admin.post(
            url, {f"rule-{rule.pk}-min_score": "12", f"rule-{rule.pk}-is_active": "on"},
            headers={"HX-Request": "true"},
        )  # fmt: skip
    assert response.status_code == 422
    assert 'class="field-errors"' in response.content.decode()
    rule.refresh_from_db()
    assert rule.min_score == 9


@pytest.mark.parametrize("role", ["sales", "agent", "marketing"])
def test_only_administrators_open_the_rules(make_user: Any, role: str) -> None:
    c = client_for(make_user(role))
    assert c.get(reverse("sales:lifecycle_rules")).status_code == 403
    rule = LifecycleRule.objects.get(kind="dormant")
    response = c.post(
        reverse("sales:lifecycle_rule_save", args=[rule.pk]), {f"rule-{rule.pk}-months": "3"}
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.months == 12


def _customer_with_orders() -> Any:
    party = PartyFactory(lifecycle_stage="prospect")
    first = OrderFactory(
        party=party,
        payment_state="paid",
        ordered_at=datetime.datetime(2026, 5, 2, tzinfo=datetime.UTC),
        cost_total=Decimal("60.00"),
    )
    add_lines(first, [(None, 1, "100.00", "18")])
    lifecycle_rules_apply(party_ids=[party.pk])
    return party, first


def test_customer_page_shows_revenue_and_the_cause_of_automatic_moves(make_user: Any) -> None:
    party, first = _customer_with_orders()
    html = client_for(make_user("sales")).get(reverse("parties:detail", args=[party.pk]))
    text = html.content.decode()
    assert 'id="party-revenue"' in text
    assert "100,00" in text and first.number in text  # net of taxes, the latest order
    assert "40,0 %" in text or "40.0 %" in text  # margin
    # the history says which order made the customer a buyer
    assert "move-cause" in text
    assert first.number in text.split("move-cause", 1)[1][:300]


def test_marketing_sees_no_revenue_panel(make_user: Any) -> None:
    party, _first = _customer_with_orders()
    text = client_for(make_user("marketing")).get(reverse("parties:detail", args=[party.pk]))
    assert 'id="party-revenue"' not in text.content.decode()


def test_no_panel_for_a_customer_who_never_bought(make_user: Any) -> None:
    party = PartyFactory()
    text = client_for(make_user("sales")).get(reverse("parties:detail", args=[party.pk]))
    assert 'id="party-revenue"' not in text.content.decode()


def test_the_panel_costs_at_most_three_queries(
    make_user: Any, rf: Any, django_assert_max_num_queries: Any
) -> None:
    from fregues.sales.views.lifecycle import party_revenue_panel

    party, _first = _customer_with_orders()
    for _ in range(8):
        add_lines(OrderFactory(party=party), [(None, 1, "10.00")])
    request = rf.get("/")
    request.user = make_user("sales")
    with django_assert_max_num_queries(3):
        assert "party-revenue" in (party_revenue_panel(request, party) or "")
    newcomer = PartyFactory()
    with django_assert_max_num_queries(2):
        assert party_revenue_panel(request, newcomer) is None

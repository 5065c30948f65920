"""The customers-and-value screens: RFM heat map, profitability, the unprofitable list, the
costs screen (admins edit, the service's errors shown) and the scores panel of the customer
page, loaded after the page."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.analytics.models import ChannelCost
from fregues.parties.tests.factories import PartyFactory

from .test_value_scores import refresh_all, rfm_portfolio
from .value_data import at, order

pytestmark = pytest.mark.django_db


def client_for(client: Any, user: Any) -> Any:
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_rfm_and_profitability_screens(client: Any, manager: Any, agent: Any) -> None:
    rfm_portfolio()
    refresh_all()
    c = client_for(client, manager)
    home = c.get("/analytics/").content.decode()
    assert "Customers and value" in home and "/analytics/rfm/" in home
    page = c.get("/analytics/rfm/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Recency × frequency" in text and "Hibernating" in text and 'scope="row">R5' in text
    text = c.get("/analytics/profitability/").content.decode()
    assert "Quadrants" in text and "Profit by decile" in text
    assert client_for(client, agent).get("/analytics/rfm/").status_code == 403


def test_unprofitable_screen_hides_amounts_from_marketing(
    client: Any, manager: Any, marketer: Any
) -> None:
    v = PartyFactory(name="Vera Prejuízo")
    order(v, at(2026, 2, 1), "10", lines=[("1", "30")])
    refresh_all()
    text = (
        client_for(client, manager).get("/analytics/profitability/unprofitable/").content.decode()
    )
    assert "Vera Prejuízo" in text and "Sold below cost" in text and "-20.00" in text
    text = (
        client_for(client, marketer).get("/analytics/profitability/unprofitable/").content.decode()
    )
    assert "Vera Prejuízo" in text and "-20.00" not in text
    bad = client_for(client, manager).get("/analytics/profitability/unprofitable/?measure=x")
    assert bad.status_code == 422 and "Unknown measure" in bad.content.decode()


def test_costs_screen(client: Any, admin: Any, manager: Any) -> None:
    c = client_for(client, admin)
    page = c.get("/analytics/costs/").content.decode()
    assert "Cost per contact, by channel" in page and 'name="cost_per_contact"' in page
    bad = c.post(
        "/analytics/costs/",
        {"form": "channel", "channel": "phone", "cost_per_contact": "x", "currency": "ABC"},
    )
    assert bad.status_code == 422
    assert "Unknown currency" in bad.content.decode() and not ChannelCost.objects.exists()
    ok = c.post(
        "/analytics/costs/",
        {"form": "channel", "channel": "phone", "cost_per_contact": "4,50", "currency": "BRL"},
    )
    assert ok.status_code == 302
    cost = ChannelCost.objects.get()
    assert str(cost.cost_per_contact) == "4.5000"
    m = client_for(client, manager)
    listed = m.get("/analytics/costs/").content.decode()
    assert "4.5000 BRL" in listed and 'name="cost_per_contact"' not in listed
    assert m.post(f"/analytics/costs/channel/{cost.pk}/delete/").status_code == 403
    assert (
        client_for(client, admin).post(f"/analytics/costs/channel/{cost.pk}/delete/").status_code
        == 302
    )
    assert not ChannelCost.objects.exists()


def test_the_customer_page_loads_the_scores_panel_after_itself(
    client: Any, manager: Any, marketer: Any
) -> None:
    v = PartyFactory(name="Vera")
    order(v, at(2026, 2, 1), "10", lines=[("1", "30")])
    refresh_all()
    c = client_for(client, manager)
    page = c.get(f"/customers/{v.pk}/").content.decode()
    assert f'hx-get="/analytics/customers/{v.pk}/scores/"' in page
    panel = c.get(f"/analytics/customers/{v.pk}/scores/").content.decode()
    assert "Value and risk" in panel and "-20.00" in panel and "Sold below cost" in panel
    m = client_for(client, marketer)
    assert "/scores/" not in m.get(f"/customers/{v.pk}/").content.decode()
    assert m.get(f"/analytics/customers/{v.pk}/scores/").content == b""

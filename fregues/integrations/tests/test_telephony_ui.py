"""The agent's side of telephony: the screen-pop poll (cheap when nothing changed), the card,
dismissing it, the calls screen and the "call" button on the customer page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.integrations.models import Call
from fregues.parties.models import Party

from .factories_telephony import (
    CTI_SECRET,
    CallFactory,
    agent_beto,
    caller_joao,
    payload,
    post_event,
)

pytestmark = pytest.mark.django_db
PENDING = "/channels/calls/pending/"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.CTI_SECRET = CTI_SECRET


joao = pytest.fixture(name="joao")(caller_joao)
beto = pytest.fixture(name="beto")(agent_beto)


@pytest.fixture
def browser(beto: Any) -> Client:
    """Beto's browser, signed in, reading English."""
    client = Client()
    client.force_login(beto)
    client.cookies["django_language"] = "en"
    return client


def ring(**changes: Any) -> dict[str, Any]:
    return payload("ringing", occurred_at=timezone.now().isoformat(), **changes)


def test_the_poll_is_204_and_one_query_of_its_own_when_nothing_rings(
    browser: Client, django_assert_max_num_queries: Any
) -> None:
    CallFactory.create_batch(3)  # other agents' calls
    browser.get(PENDING)  # the session is read once (as on every page)
    with django_assert_max_num_queries(3):  # session, user, the pending call
        response = browser.get(PENDING)
    assert response.status_code == 204


def test_the_poll_reads_the_partial_index(beto: Any) -> None:
    from django.db import connection

    from fregues.integrations.telephony.selectors import pending_queryset

    plan = pending_queryset(beto.pk, timezone.now()).explain()
    if connection.vendor == "sqlite":  # PostgreSQL's planner scans a table this small
        assert "call_pending_pop" in plan


def test_a_ringing_call_pops_the_customers_card(
    client: Client, browser: Client, joao: Party, beto: Any
) -> None:
    post_event(client, ring())

    response = browser.get(PENDING)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Incoming call" in html
    assert "João da Silva" in html
    assert f"/customers/{joao.pk}/" in html


def test_the_card_is_not_redrawn_while_the_call_is_unchanged(
    client: Client, browser: Client, joao: Party, beto: Any, django_assert_max_num_queries: Any
) -> None:
    post_event(client, ring())
    call = Call.objects.get()
    with django_assert_max_num_queries(3):
        response = browser.get(PENDING, {"seen": f"{call.pk}:ringing"})
    assert response.status_code == 204

    post_event(client, payload("answered", occurred_at=timezone.now().isoformat()))
    response = browser.get(PENDING, {"seen": f"{call.pk}:ringing"})
    assert response.status_code == 200
    assert "On the call" in response.content.decode()


def test_an_unknown_number_shows_the_new_caller_card_with_a_prefilled_form(
    client: Client, browser: Client, beto: Any
) -> None:
    post_event(client, ring(**{"from": "(21) 3333-4444"}))

    html = browser.get(PENDING).content.decode()

    assert "New caller" in html
    assert "+552133334444" in html
    assert "/customers/new/?phone=%2B552133334444" in html
    form = browser.get("/customers/new/?phone=%2B552133334444").content.decode()
    assert 'value="+552133334444"' in form


def test_dismissing_the_card_closes_it_for_good(
    client: Client, browser: Client, joao: Party, beto: Any
) -> None:
    post_event(client, ring())
    call = Call.objects.get()

    response = browser.post(f"/channels/calls/{call.pk}/dismiss/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content == b""
    assert browser.get(PENDING).status_code == 204
    assert browser.get(PENDING, {"seen": f"{call.pk}:ringing"}).content == b""  # card cleared


def test_an_agent_cannot_dismiss_someone_elses_call(browser: Client) -> None:
    call = CallFactory()
    assert browser.post(f"/channels/calls/{call.pk}/dismiss/").status_code == 404
    assert Call.objects.get().dismissed_at is None


def test_signed_out_the_poll_stops(client: Client) -> None:
    assert client.get(PENDING).status_code == 286


def test_every_page_of_an_agent_polls_for_calls(browser: Client, make_user: Any) -> None:
    assert 'hx-get="/channels/calls/pending/"' in browser.get("/").content.decode()
    marketer = Client()
    marketer.force_login(make_user("marketing"))
    assert "/channels/calls/pending/" not in marketer.get("/").content.decode()


def test_the_calls_screen_lists_missed_calls_first(
    client: Client, browser: Client, joao: Party, beto: Any
) -> None:
    post_event(client, ring(call_id="answered-one"))
    post_event(client, payload("ended", call_id="answered-one", duration_seconds=42))
    post_event(client, ring(call_id="missed-one", **{"from": "(21) 3333-4444"}))
    post_event(client, payload("ended", call_id="missed-one", event="missed"))

    html = browser.get("/channels/calls/").content.decode()

    assert html.index("Missed") < html.index("Ended")
    assert "João da Silva" in html
    assert "42 s" in html


def test_the_calls_screen_is_for_those_who_take_calls(make_user: Any) -> None:
    marketer = Client()
    marketer.force_login(make_user("marketing"))
    assert marketer.get("/channels/calls/").status_code == 403


def test_the_customer_page_has_a_call_button_that_dials(browser: Client, joao: Party) -> None:
    page = browser.get(f"/customers/{joao.pk}/").content.decode()
    assert 'action="/channels/calls/place/"' in page

    response = browser.post(
        "/channels/calls/place/", {"party_id": joao.pk, "number": "+5511987654321"}
    )

    assert response.status_code == 302
    assert response["Location"] == "tel:+5511987654321"
    assert Call.objects.get().state == "requested"


def test_click_to_call_by_htmx_redirects_the_browser(browser: Client, joao: Party) -> None:
    response = browser.post(
        "/channels/calls/place/",
        {"party_id": joao.pk, "number": "+5511987654321"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == "tel:+5511987654321"


def test_an_admin_maps_extensions_to_agents(make_user: Any, beto: Any) -> None:
    ana = make_user("admin")
    rita = make_user("agent", first_name="Rita")
    admin = Client()
    admin.force_login(ana)
    admin.cookies["django_language"] = "en"

    page = admin.get("/channels/calls/extensions/").content.decode()
    assert 'value="2031"' in page  # Beto's
    response = admin.post(
        "/channels/calls/extensions/", {"user_id": rita.pk, "extension": "2040"}, follow=True
    )
    assert "Extension saved." in response.content.decode()
    assert rita.phone_extension.extension == "2040"

    taken = admin.post(
        "/channels/calls/extensions/", {"user_id": rita.pk, "extension": "2031"}, follow=True
    )
    assert "Extension 2031 already rings someone else." in taken.content.decode()
    rita.refresh_from_db()
    assert rita.phone_extension.extension == "2040"


def test_agents_do_not_map_extensions(browser: Client, beto: Any) -> None:
    response = browser.post("/channels/calls/extensions/", {"user_id": beto.pk, "extension": "1"})
    assert response.status_code == 403
    assert beto.phone_extension.extension == "2031"


def test_click_to_call_without_a_customer_is_a_400(client: Any, make_user: Any) -> None:
    client.force_login(make_user("agent"))
    client.cookies["django_language"] = "en"

    placed = client.post("/channels/calls/place/", {"number": "+5511987654321"})

    assert placed.status_code == 400
    assert "Say which customer to call." in placed.content.decode()


def test_the_recording_of_an_ended_call_is_a_link_on_the_timeline(
    client: Client, browser: Client, joao: Party
) -> None:
    recording = "https://pbx.exemplo.com.br/recordings/call-rec-1.mp3"
    post_event(client, ring(call_id="rec-1"))
    post_event(client, payload("ended", call_id="rec-1", recording_url=recording))

    page = browser.get(f"/customers/{joao.pk}/").content.decode()

    assert f'<a href="{recording}"' in page

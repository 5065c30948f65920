"""The CTI webhook: the telephony system's call events, signed, taken once each; the caller
resolved by phone for the screen-pop; the ended call on the customer's timeline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.integrations.models import Call, CallEvent
from fregues.integrations.telephony.selectors import call_pending
from fregues.interactions.models import Interaction
from fregues.parties.models import Party

from .factories_telephony import CTI_SECRET, agent_beto, caller_joao, payload, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.CTI_SECRET = CTI_SECRET


joao = pytest.fixture(name="joao")(caller_joao)
beto = pytest.fixture(name="beto")(agent_beto)


def counts() -> tuple[int, int, int, int]:
    return (
        Call.objects.count(),
        CallEvent.objects.count(),
        Interaction.objects.count(),
        Party.objects.count(),
    )


def now_iso() -> str:
    return timezone.now().isoformat()


def test_ringing_pops_the_callers_page_for_the_agent_of_the_extension(
    client: Client, joao: Party, beto: Any, make_user: Any
) -> None:
    response = post_event(client, payload("ringing", occurred_at=now_iso()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["call"]["state"] == "ringing"
    assert body["call"]["party_id"] == joao.pk
    assert body["call"]["agent_id"] == beto.pk
    assert body["call"]["from_number"] == "+5511987654321"
    pending = call_pending(actor=beto)
    assert pending is not None and pending.call_id == body["call"]["id"]
    assert call_pending(actor=make_user("agent")) is None  # nobody else's screen


def test_the_agent_may_be_named_by_username(client: Client, make_user: Any) -> None:
    rita = make_user("agent", username="rita")
    data = payload("ringing", occurred_at=now_iso(), extension="", agent="rita")
    assert post_event(client, data).json()["call"]["agent_id"] == rita.pk
    assert call_pending(actor=rita) is not None


def test_an_unknown_number_is_a_new_caller(client: Client, beto: Any) -> None:
    parties = Party.objects.count()
    response = post_event(
        client, payload("ringing", occurred_at=now_iso(), **{"from": "21 3333-4444"})
    )

    assert response.status_code == 201
    assert response.json()["call"]["party_id"] is None
    assert response.json()["call"]["from_number"] == "+552133334444"
    assert Party.objects.count() == parties  # nobody is created while it rings


def test_a_repeated_event_changes_nothing(client: Client, joao: Party, beto: Any) -> None:
    data = payload("ringing", occurred_at=now_iso())
    first = post_event(client, data)
    before = counts()

    again = post_event(client, data)

    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["call"]["id"] == first.json()["call"]["id"]
    assert counts() == before


def test_an_ended_call_lands_once_on_the_timeline_with_duration_and_recording(
    client: Client, joao: Party, beto: Any
) -> None:
    for name in ("ringing", "answered", "ended"):
        assert post_event(client, payload(name)).status_code == 201
    assert post_event(client, payload("ended")).status_code == 200  # the PBX retried

    call = Call.objects.get(external_id="pbx-1701790000.42")
    assert call.state == "ended"
    assert call.duration_seconds == 192  # answered 14:00:08, ended 14:03:20
    calls = Interaction.objects.filter(party=joao, channel="phone")
    assert calls.count() == 1
    item = calls.get()
    assert item == call.interaction
    assert item.direction == "in"
    assert item.duration_seconds == 192
    assert item.agent_id == beto.pk
    assert "https://pbx.example.com/recordings/1701790000.42.mp3" in item.body
    assert item.outcome == "answered"


def test_the_timeline_api_shows_the_call(client: Client, joao: Party, beto: Any, api: Any) -> None:
    for name in ("ringing", "answered", "ended"):
        post_event(client, payload(name))
    items = api.get(f"/parties/{joao.pk}/timeline").json()["items"]
    assert [(i["channel"], i["duration_seconds"]) for i in items] == [("phone", 192)]


def test_a_call_never_answered_is_missed_and_still_on_the_timeline(
    client: Client, joao: Party, beto: Any
) -> None:
    post_event(client, payload("ringing"))
    post_event(client, payload("ended", recording_url=""))

    call = Call.objects.get()
    assert call.state == "missed"
    assert call.duration_seconds == 0
    assert call.interaction is not None and call.interaction.outcome == "missed"


def test_an_unknown_callers_call_is_kept_on_a_new_suspect(client: Client, beto: Any) -> None:
    number = {"from": "+55 21 3333-4444"}
    post_event(client, payload("ringing", **number))
    post_event(client, payload("answered", **number))
    post_event(client, payload("ended", **number))

    call = Call.objects.get()
    assert call.party is not None
    assert call.party.lifecycle_stage == "suspect"
    assert call.party.contact_points.get().normalized == "+552133334444"
    assert call.interaction is not None and call.interaction.party_id == call.party_id


def test_a_withheld_number_is_kept_on_the_calls_screen_only(client: Client, beto: Any) -> None:
    parties = Party.objects.count()
    post_event(client, payload("ringing", **{"from": "anonymous"}))
    post_event(client, payload("ended", **{"from": "anonymous"}))

    call = Call.objects.get()
    assert call.state == "missed"
    assert call.interaction is None
    assert Party.objects.count() == parties


def test_an_outbound_call_is_on_the_called_customers_timeline(
    client: Client, joao: Party, beto: Any
) -> None:
    out = {"direction": "outbound", "from": "2031", "to": "11987654321"}
    post_event(client, payload("answered", **out))
    post_event(client, payload("ended", **out, duration_seconds=75))

    item = Interaction.objects.get(party=joao)
    assert (item.direction, item.duration_seconds) == ("out", 75)


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "no signature", "no secret configured", "old timestamp", "body changed"],
)
def test_a_bad_signature_is_403_and_writes_nothing(
    client: Client, joao: Party, beto: Any, settings: Any, how: str
) -> None:
    data = payload("ringing")
    before = counts()
    if how == "wrong secret":
        response = post_event(client, data, secret="outro")
    elif how == "no signature":
        response = post_event(client, data, sign=False)
    elif how == "no secret configured":
        settings.CTI_SECRET = ""
        response = post_event(client, data, secret="")
    elif how == "old timestamp":
        body = json.dumps(data).encode()
        from fregues.integrations.telephony.signing import cti_sign

        stamp = str(int(timezone.now().timestamp()) - 3600)
        response = client.post(
            "/api/v1/cti/events",
            body,
            content_type="application/json",
            headers={"X-Fregues-Timestamp": stamp, "X-Fregues-Signature": cti_sign(body, stamp)},
        )
    else:
        body = json.dumps(data).encode()
        from fregues.integrations.telephony.signing import cti_sign

        stamp = str(int(timezone.now().timestamp()))
        signature = cti_sign(body, stamp)
        response = client.post(
            "/api/v1/cti/events",
            body.replace(b"2031", b"2032"),
            content_type="application/json",
            headers={"X-Fregues-Timestamp": stamp, "X-Fregues-Signature": signature},
        )

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "bad_signature"
    assert counts() == before


def test_a_user_token_is_not_the_telephony_secret(api: Any) -> None:
    response = api.post("/cti/events", payload("ringing"))
    assert response.status_code == 403
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": "hangup"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"direction": "sideways"}, "direction"),
        ({"occurred_at": "ontem"}, "occurred_at"),
        ({"recording_url": "ftp://pbx/x.mp3"}, "recording_url"),
        ({"duration_seconds": -5}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
    ],
)
def test_a_malformed_event_is_422_and_writes_nothing(
    client: Client, beto: Any, changes: dict[str, Any], field: str
) -> None:
    before = counts()
    response = post_event(client, payload("ended", **changes))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert counts() == before


def test_a_body_that_is_not_json_is_a_bad_request_like_everywhere_in_the_api(
    client: Client,
) -> None:
    response = post_event(client, b"not json")
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    assert Call.objects.count() == 0


def test_events_out_of_order_never_move_an_ended_call_back(
    client: Client, joao: Party, beto: Any
) -> None:
    post_event(client, payload("ended", duration_seconds=30))
    post_event(client, payload("answered"))
    post_event(client, payload("ringing"))

    call = Call.objects.get()
    assert call.state == "ended"
    assert Interaction.objects.filter(party=joao).count() == 1


def test_recent_calls_are_listed_missed_first(
    client: Client, joao: Party, beto: Any, api: Any
) -> None:
    post_event(client, payload("ringing", call_id="a", occurred_at=now_iso()))
    post_event(client, payload("ended", call_id="a", duration_seconds=10))
    post_event(client, payload("ringing", call_id="b", occurred_at=now_iso()))
    post_event(client, payload("ended", call_id="b", event="missed"))
    post_event(client, payload("ringing", call_id="c", occurred_at=now_iso()))

    rows = api.get("/cti/calls").json()
    assert (rows[0]["call_id"], rows[0]["state"]) == ("b", "missed")
    assert {r["call_id"] for r in rows} == {"a", "b", "c"}


def test_click_to_call_records_the_intent_and_answers_a_tel_link(joao: Party, api: Any) -> None:
    response = api.post("/cti/calls", {"party_id": joao.pk, "number": "(11) 98765-4321"})

    assert response.status_code == 201, response.content
    assert response.json()["url"] == "tel:+5511987654321"
    call = Call.objects.get()
    assert (call.state, call.direction, call.party_id) == ("requested", "out", joao.pk)
    assert call_pending(actor=api.user) is None  # no pop-up for the call one places


def test_click_to_call_refuses_a_number_that_is_not_one(joao: Party, api: Any) -> None:
    response = api.post("/cti/calls", {"party_id": joao.pk, "number": "abc"})
    assert response.status_code == 422
    assert "number" in response.json()["errors"]
    assert Call.objects.count() == 0


def test_click_to_call_goes_through_the_dialler_of_the_settings(
    joao: Party, api: Any, settings: Any
) -> None:
    settings.DIALLER = "fregues.integrations.tests.test_telephony_api.SipDialler"
    response = api.post("/cti/calls", {"party_id": joao.pk, "number": "11987654321"})
    assert response.json()["url"] == "sip:+5511987654321@pbx.example.com"


class SipDialler:
    def place(self, call: Call) -> str:
        return f"sip:{call.to_number}@pbx.example.com"

"""/api/v1/parties/{id}/lifecycle: where a customer stands, where they may go, every move."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.models import LifecycleMove, Party
from fregues.parties.services.lifecycle import ALLOWED_MOVES
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db

STAGES = ["suspect", "prospect", "buyer", "client", "advocate", "inactive", "lost"]


def move(api: Any, party: Party, to: str, reason: str = "", **extra: Any) -> Any:
    return api.post(f"/parties/{party.pk}/lifecycle", {"to_stage": to, "reason": reason, **extra})


def test_get_shows_the_stage_the_allowed_moves_and_the_history(api: Any) -> None:
    party = PartyFactory()
    body = api.get(f"/parties/{party.pk}/lifecycle").json()
    assert body["stage"] == "suspect"
    assert body["allowed_moves"] == ["prospect", "buyer", "client", "lost"]
    assert [(h["from_stage"], h["to_stage"]) for h in body["history"]] == [("", "suspect")]


def test_a_customer_walks_the_funnel_and_every_move_is_recorded(api: Any) -> None:
    party = PartyFactory()
    for to, reason in [
        ("prospect", "pediu orçamento"),
        ("buyer", "primeira compra"),
        ("client", "contrato anual"),
        ("advocate", "indicou dois clientes"),
    ]:
        response = move(api, party, to, reason)
        assert response.status_code == 201, response.json()
    body = api.get(f"/parties/{party.pk}/lifecycle").json()
    assert body["stage"] == "advocate"
    history = list(reversed(body["history"]))
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("", "suspect"),
        ("suspect", "prospect"),
        ("prospect", "buyer"),
        ("buyer", "client"),
        ("client", "advocate"),
    ]
    assert history[-1]["reason"] == "indicou dois clientes"
    assert history[-1]["actor"]["id"] == api.user.pk
    assert history[-1]["occurred_at"]
    party.refresh_from_db()
    assert party.lifecycle_stage == "advocate"
    assert party.lifecycle_changed_at is not None
    assert AuditEntry.objects.filter(party_id=party.pk, action="move").count() == 4


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s in STAGES for t in STAGES if t not in ALLOWED_MOVES[s]],
)
def test_forbidden_moves_are_422_listing_the_allowed_ones(
    api: Any, unchanged: Any, start: str, to: str
) -> None:
    party = PartyFactory(lifecycle_stage=start)
    with unchanged():
        response = move(api, party, to, "porque sim")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "forbidden_move"
    assert "to_stage" in body["errors"]
    assert sorted(body["allowed"]) == sorted(ALLOWED_MOVES[start])
    assert Party.objects.get(pk=party.pk).lifecycle_stage == start


@pytest.mark.parametrize("to", ["inactive", "lost"])
def test_leaving_the_funnel_needs_a_reason(api: Any, unchanged: Any, to: str) -> None:
    party = PartyFactory(lifecycle_stage="client")
    with unchanged():
        response = move(api, party, to, "  ")
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    assert move(api, party, to, "mudou-se para o exterior").status_code == 201


def test_an_advocate_back_to_client_needs_a_reason(api: Any, unchanged: Any) -> None:
    party = PartyFactory(lifecycle_stage="advocate")
    with unchanged():
        assert move(api, party, "client").status_code == 422
    assert move(api, party, "client", "reclamou publicamente").status_code == 201


@pytest.mark.parametrize("body", [{"to_stage": "vip"}, {"to_stage": ""}, {"reason": "x"}])
def test_unknown_or_missing_stage_is_422(api: Any, unchanged: Any, body: dict[str, Any]) -> None:
    party = PartyFactory()
    with unchanged():
        response = api.post(f"/parties/{party.pk}/lifecycle", body)
    assert response.status_code == 422
    assert "to_stage" in response.json()["errors"]


def test_a_stale_version_is_409(api: Any, unchanged: Any) -> None:
    party = PartyFactory()
    with unchanged():
        assert move(api, party, "prospect", version=party.version + 5).status_code == 409
    assert move(api, party, "prospect", version=party.version).status_code == 201


def test_lifecycle_of_an_unknown_party_is_404(api: Any, unchanged: Any) -> None:
    assert api.get("/parties/999999/lifecycle").status_code == 404
    with unchanged():
        assert api.post("/parties/999999/lifecycle", {"to_stage": "prospect"}).status_code == 404


def test_who_may_move_a_party(api_as: Any, unchanged: Any) -> None:
    for role in ("agent", "relationship_manager", "sales", "marketing", "admin"):
        party = PartyFactory()
        assert move(api_as(role), party, "prospect").status_code == 201, role
    party = PartyFactory()
    quality = api_as("quality_manager")
    with unchanged():
        assert move(quality, party, "prospect").status_code == 403
    assert LifecycleMove.objects.filter(party=party).count() == 1

"""Deals through their services: create with every rule checked at once, change with
versions, move within and across pipelines, win, lose with a reason, reopen — each with its
history row, audit entry and event, and nothing written when refused."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from fregues.core.errors import Conflict, Forbidden, Invalid, VersionConflict
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.parties.models import Affiliation
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import CloseReason, Opportunity, OpportunityChange, PipelineStage
from fregues.sales.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_reopen,
    opportunity_update,
    opportunity_win,
)

from .factories import OpportunityFactory, PipelineFactory, default_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are checked in English, whatever the translations say."""
    with translation.override("en"):
        yield


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia", last_name="Vendas")


def stage(code: str, pipeline: Any = None) -> PipelineStage:
    return (pipeline or default_pipeline()).stages.get(code=code)


def lost_reason() -> CloseReason:
    return CloseReason.objects.filter(kind="lost").first()  # type: ignore[return-value]


def won_reason() -> CloseReason:
    return CloseReason.objects.filter(kind="won").first()  # type: ignore[return-value]


# ---------------------------------------------------------------- create


def test_a_deal_starts_in_the_first_stage_of_the_default_pipeline(seller: Any) -> None:
    party = PartyFactory(name="Padaria Estrela")
    deal = opportunity_create(
        actor=seller,
        data={"title": "Fornos novos", "party_id": party.pk, "amount": "12.500,50"},
    )
    assert deal.pipeline == default_pipeline()
    assert deal.stage.code == "qualification"
    assert deal.amount == Decimal("12500.50")
    assert deal.currency == "BRL"
    assert deal.owner == seller and deal.created_by == seller
    change = OpportunityChange.objects.get(opportunity=deal)
    assert change.to_stage == deal.stage and change.to_status == "open" and change.actor == seller
    entry = AuditEntry.objects.get(entity_type="sales.opportunity", entity_id=deal.pk)
    assert entry.action == "create" and entry.party_id == party.pk
    assert OutboxEvent.objects.filter(name="sales.opportunity.created").count() == 1


def test_every_mistake_is_reported_at_once_and_nothing_is_written(
    seller: Any, unchanged: Any
) -> None:
    other = PipelineFactory()
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_create(
            actor=seller,
            data={
                "title": "",
                "party_id": 999999,
                "stage_id": other.stages.first().pk,
                "amount": "-5",
                "currency": "XYZ",
                "probability": 130,
                "expected_close_date": "31/02/2026",
                "owner_id": 424242,
                "lead_id": 5150,
            },
        )
    assert set(caught.value.errors) == {
        "title",
        "party_id",
        "stage_id",
        "amount",
        "currency",
        "probability",
        "expected_close_date",
        "owner_id",
        "lead_id",
    }
    assert "another pipeline" in caught.value.errors["stage_id"][0]


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "ABC"), ("amount", "-0.01"), ("amount", "muito"), ("probability", "-1")],
)
def test_bad_money_is_refused(seller: Any, unchanged: Any, field: str, value: str) -> None:
    data = {"title": "Deal", "party_id": PartyFactory().pk, field: value}
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_create(actor=seller, data=data)
    assert list(caught.value.errors) == [field]


def test_a_stage_of_the_pipeline_chosen_is_required(seller: Any, unchanged: Any) -> None:
    other = PipelineFactory()
    party = PartyFactory()
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_create(
            actor=seller,
            data={
                "title": "Deal",
                "party_id": party.pk,
                "pipeline_id": default_pipeline().pk,
                "stage_id": other.stages.first().pk,
            },
        )
    assert "stage_id" in caught.value.errors
    deal = opportunity_create(
        actor=seller,
        data={
            "title": "Deal",
            "party_id": PartyFactory().pk,
            "pipeline_id": other.pk,
            "stage_id": stage("middle", other).pk,
            "currency": "eur",
        },
    )
    assert deal.pipeline == other and deal.stage.code == "middle" and deal.currency == "EUR"


def test_the_contact_must_be_the_customer_or_one_of_its_people(seller: Any, unchanged: Any) -> None:
    company = PartyFactory(kind="organization", name="Metalúrgica Alfa")
    buyer = PartyFactory(name="Carla Compras")
    stranger = PartyFactory(name="Zé Ninguém")
    Affiliation.objects.create(person=buyer, organization=company, role="compras")
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_create(
            actor=seller,
            data={"title": "Prensa", "party_id": company.pk, "contact_id": stranger.pk},
        )
    assert "not linked" in caught.value.errors["contact_id"][0]
    deal = opportunity_create(
        actor=seller, data={"title": "Prensa", "party_id": company.pk, "contact_id": buyer.pk}
    )
    assert deal.contact == buyer


def test_a_merged_customer_is_followed_to_its_survivor(seller: Any) -> None:
    survivor = PartyFactory()
    merged = PartyFactory(merged_into=survivor)
    deal = opportunity_create(actor=seller, data={"title": "X", "party_id": merged.pk})
    assert deal.party == survivor


def test_only_sales_roles_write_deals(make_user: Any, unchanged: Any) -> None:
    party = PartyFactory()
    for role in ("agent", "marketing", "quality_manager"):
        user = make_user(role)
        with unchanged(), pytest.raises(Forbidden):
            opportunity_create(actor=user, data={"title": "X", "party_id": party.pk})


# ---------------------------------------------------------------- change


def test_update_checks_the_version_and_audits_the_difference(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    updated = opportunity_update(
        actor=seller,
        opportunity_id=deal.pk,
        data={"amount": "20000", "expected_close_date": "2026-12-15", "probability": 90},
        version=1,
    )
    assert updated.version == 2 and updated.amount == Decimal("20000.00")
    assert updated.effective_probability == 90
    entry = AuditEntry.objects.filter(entity_id=deal.pk, action="update").get()
    assert set(entry.changes) == {"amount", "expected_close_date", "probability"}
    with unchanged(), pytest.raises(VersionConflict):
        opportunity_update(actor=seller, opportunity_id=deal.pk, data={"title": "Y"}, version=1)
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_update(
            actor=seller, opportunity_id=deal.pk, data={"stage_id": stage("proposal").pk}
        )
    assert "stage_id" in caught.value.errors


def test_changing_the_currency_keeps_the_amount_in_its_cents(seller: Any) -> None:
    deal = OpportunityFactory(owner=seller, amount=Decimal("100.55"))
    updated = opportunity_update(actor=seller, opportunity_id=deal.pk, data={"currency": "JPY"})
    assert updated.currency == "JPY" and updated.amount == Decimal("101")


# ---------------------------------------------------------------- move


def test_a_move_records_who_when_and_resets_the_time_in_stage(seller: Any) -> None:
    long_ago = timezone.now() - datetime.timedelta(days=40)
    deal = OpportunityFactory(owner=seller, stage_changed_at=long_ago)
    moved = opportunity_move(
        actor=seller, opportunity_id=deal.pk, stage_id=stage("proposal").pk, version=1
    )
    assert moved.stage.code == "proposal" and moved.version == 2
    assert moved.stage_changed_at > long_ago
    change = OpportunityChange.objects.get(opportunity=deal)
    assert change.from_stage.code == "qualification" and change.to_stage.code == "proposal"
    assert change.actor == seller
    entry = AuditEntry.objects.get(entity_id=deal.pk, action="move")
    assert entry.changes == {"stage": ["Qualificação", "Proposta enviada"]}
    assert entry.party_id == deal.party_id
    assert OutboxEvent.objects.filter(name="sales.opportunity.moved").exists()


def test_a_stage_of_another_pipeline_is_refused_unless_the_pipeline_is_named(
    seller: Any, unchanged: Any
) -> None:
    deal = OpportunityFactory(owner=seller)
    other = PipelineFactory()
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=stage("last", other).pk)
    assert "stage_id" in caught.value.errors
    moved = opportunity_move(
        actor=seller, opportunity_id=deal.pk, stage_id=stage("last", other).pk, pipeline_id=other.pk
    )
    assert moved.pipeline == other and moved.stage.code == "last"
    entry = AuditEntry.objects.get(entity_id=deal.pk, action="move")
    assert entry.changes["pipeline"] == ["Novos negócios", other.name]


def test_a_stale_move_and_a_move_of_a_closed_deal_are_refused(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=stage("contact").pk)
    with unchanged(), pytest.raises(VersionConflict):
        opportunity_move(
            actor=seller, opportunity_id=deal.pk, stage_id=stage("proposal").pk, version=1
        )
    opportunity_win(actor=seller, opportunity_id=deal.pk)
    with unchanged(), pytest.raises(Conflict):
        opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=stage("proposal").pk)


def test_moving_to_the_same_stage_changes_nothing(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    with unchanged():
        same = opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=deal.stage_id)
    assert same.version == 1


def test_an_inactive_stage_takes_no_deal(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    PipelineStage.objects.filter(pk=stage("proposal").pk).update(is_active=False)
    with unchanged(), pytest.raises(Invalid):
        opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=stage("proposal").pk)


# ---------------------------------------------------------------- win, lose, reopen


def test_win_lose_and_reopen_leave_their_history(seller: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    won = opportunity_win(
        actor=seller, opportunity_id=deal.pk, close_reason_id=won_reason().pk, note="fechou!"
    )
    assert won.status == "won" and won.closed_at and won.close_reason == won_reason()
    assert won.effective_probability == 100
    again = opportunity_win(actor=seller, opportunity_id=deal.pk)
    assert again.version == won.version  # winning twice changes nothing
    reopened = opportunity_reopen(actor=seller, opportunity_id=deal.pk, version=won.version)
    assert reopened.status == "open" and reopened.closed_at is None
    assert reopened.close_reason is None and reopened.close_note == ""
    lost = opportunity_lose(actor=seller, opportunity_id=deal.pk, close_reason_id=lost_reason().pk)
    assert lost.status == "lost" and lost.effective_probability == 0
    statuses = list(
        OpportunityChange.objects.filter(opportunity=deal)
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert statuses == [("open", "won"), ("won", "open"), ("open", "lost")]
    names = set(OutboxEvent.objects.values_list("name", flat=True))
    assert {
        "sales.opportunity.won",
        "sales.opportunity.lost",
        "sales.opportunity.reopened",
    } <= names


def test_lost_needs_a_reason_of_kind_lost_or_a_note(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_lose(actor=seller, opportunity_id=deal.pk)
    assert "close_reason_id" in caught.value.errors
    with unchanged(), pytest.raises(Invalid) as caught:
        opportunity_lose(actor=seller, opportunity_id=deal.pk, close_reason_id=won_reason().pk)
    assert "won deals" in caught.value.errors["close_reason_id"][0]
    lost = opportunity_lose(actor=seller, opportunity_id=deal.pk, note="Comprou do concorrente")
    assert lost.close_note == "Comprou do concorrente" and lost.close_reason is None
    with unchanged(), pytest.raises(Conflict):
        opportunity_lose(actor=seller, opportunity_id=deal.pk, note="de novo")


def test_a_customer_accepting_a_quote_wins_a_lost_deal(seller: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    opportunity_lose(actor=seller, opportunity_id=deal.pk, note="sumiu")
    won = opportunity_win(actor=None, opportunity_id=deal.pk, note="Orçamento aceito")
    assert won.status == "won"
    change = OpportunityChange.objects.filter(opportunity=deal).order_by("-id").first()
    assert change is not None and change.from_status == "lost" and change.actor is None


def test_reopen_puts_the_deal_in_a_stage_still_in_use(seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller, stage=stage("proposal"))
    opportunity_win(actor=seller, opportunity_id=deal.pk)
    PipelineStage.objects.filter(pk=stage("proposal").pk).update(is_active=False)
    reopened = opportunity_reopen(actor=seller, opportunity_id=deal.pk)
    assert reopened.stage.code == "qualification"
    with unchanged(), pytest.raises(Conflict):
        opportunity_reopen(actor=seller, opportunity_id=deal.pk)


def test_deal_writes_never_touch_the_timeline(seller: Any) -> None:
    from fregues.interactions.models import Interaction

    deal = OpportunityFactory(owner=seller)
    opportunity_move(actor=seller, opportunity_id=deal.pk, stage_id=stage("proposal").pk)
    opportunity_win(actor=seller, opportunity_id=deal.pk)
    assert not Interaction.objects.exists()
    assert Opportunity.objects.get(pk=deal.pk).status == "won"

"""The sales process as data: pipelines, stages and won/lost reasons, with the rules that
keep the board meaningful (one default pipeline, at least one active stage, no stage removed
while it holds open deals)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from fregues.core.errors import Conflict, Forbidden, Invalid
from fregues.core.models import AuditEntry
from fregues.sales.models import CloseReason, Pipeline, PipelineStage
from fregues.sales.services.opportunities import opportunity_lose
from fregues.sales.services.pipelines import (
    close_reason_create,
    close_reason_remove,
    close_reason_update,
    pipeline_create,
    pipeline_deactivate,
    pipeline_update,
    stage_add,
    stage_deactivate,
    stage_remove,
    stage_reorder,
    stage_update,
)

from .factories import OpportunityFactory, PipelineFactory, default_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are checked in English, whatever the translations say."""
    with translation.override("en"):
        yield


def codes(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position").values_list("code", flat=True))


def test_a_pipeline_is_created_with_its_stages(admin: Any) -> None:
    pipeline = pipeline_create(
        actor=admin,
        data={
            "name": "Licitações públicas",
            "name_en": "Public tenders",
            "currency": "eur",
            "stages": [
                {"name": "Edital publicado", "probability": 5, "rotting_days": 30},
                {"name": "Proposta entregue", "name_en": "Bid sent", "probability": 40},
            ],
        },
    )
    assert pipeline.code == "licitacoes-publicas" and pipeline.currency == "EUR"
    assert not pipeline.is_default and default_pipeline().is_default
    assert codes(pipeline) == ["edital-publicado", "proposta-entregue"]
    assert AuditEntry.objects.filter(entity_type="sales.pipeline", action="create").exists()


def test_a_pipeline_needs_a_stage_and_good_numbers(admin: Any, unchanged: Any) -> None:
    with unchanged(), pytest.raises(Invalid) as caught:
        pipeline_create(actor=admin, data={"name": "Vazio", "stages": []})
    assert "stages" in caught.value.errors
    with unchanged(), pytest.raises(Invalid) as caught:
        pipeline_create(
            actor=admin,
            data={
                "name": "",
                "currency": "XYZ",
                "stages": [{"name": "A", "probability": 101, "rotting_days": -1}],
            },
        )
    assert set(caught.value.errors) == {
        "name",
        "currency",
        "stages.0.probability",
        "stages.0.rotting_days",
    }


def test_exactly_one_pipeline_is_the_default(admin: Any, unchanged: Any) -> None:
    seeded = default_pipeline()
    other = PipelineFactory()
    with unchanged(), pytest.raises(Invalid):
        pipeline_update(actor=admin, pipeline_id=seeded.pk, data={"is_default": False})
    with unchanged(), pytest.raises(Invalid):
        pipeline_deactivate(actor=admin, pipeline_id=seeded.pk)
    pipeline_update(actor=admin, pipeline_id=other.pk, data={"is_default": True})
    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    pipeline_deactivate(actor=admin, pipeline_id=seeded.pk)
    assert not Pipeline.objects.get(pk=seeded.pk).is_active


def test_a_pipeline_holding_open_deals_stays_active(admin: Any, unchanged: Any) -> None:
    other = PipelineFactory()
    OpportunityFactory(pipeline=other)
    with unchanged(), pytest.raises(Conflict) as caught:
        pipeline_deactivate(actor=admin, pipeline_id=other.pk)
    assert caught.value.details["open_deals"] == 1


def test_stages_are_added_renamed_and_reordered(admin: Any, unchanged: Any) -> None:
    pipeline = PipelineFactory()
    added = stage_add(
        actor=admin,
        pipeline_id=pipeline.pk,
        data={"name": "Demonstração", "probability": 30, "rotting_days": 7, "position": 1},
    )
    assert codes(pipeline) == ["first", "demonstracao", "middle", "last"]
    stage_update(
        actor=admin,
        stage_id=added.pk,
        data={"name": "Demo", "name_en": "Demo", "probability": 35, "rotting_days": None},
    )
    added.refresh_from_db()
    assert (added.name, added.probability, added.rotting_days) == ("Demo", 35, None)
    ids = list(pipeline.stages.order_by("position").values_list("id", flat=True))
    stage_reorder(actor=admin, pipeline_id=pipeline.pk, stage_ids=list(reversed(ids)))
    assert codes(pipeline) == ["last", "middle", "demonstracao", "first"]
    with unchanged(), pytest.raises(Invalid):
        stage_reorder(actor=admin, pipeline_id=pipeline.pk, stage_ids=ids[:2])
    with unchanged(), pytest.raises(Invalid):
        stage_reorder(
            actor=admin,
            pipeline_id=pipeline.pk,
            stage_ids=[*ids, default_pipeline().stages.first().pk],
        )
    stage_update(actor=admin, stage_id=added.pk, data={"position": 0})
    assert codes(pipeline)[0] == "demonstracao"


def test_a_stage_holding_open_deals_is_not_removed(admin: Any, unchanged: Any) -> None:
    pipeline = PipelineFactory()
    first = pipeline.stages.get(code="first")
    deal = OpportunityFactory(pipeline=pipeline, stage=first)
    with unchanged(), pytest.raises(Conflict) as caught:
        stage_deactivate(actor=admin, stage_id=first.pk)
    assert "move them" in caught.value.message
    with unchanged(), pytest.raises(Conflict):
        stage_remove(actor=admin, stage_id=first.pk)
    opportunity_lose(actor=admin, opportunity_id=deal.pk, note="sem verba")
    # a closed deal stood there: the stage is deactivated, not deleted
    assert stage_remove(actor=admin, stage_id=first.pk) is False
    assert not PipelineStage.objects.get(pk=first.pk).is_active
    # an unused stage is deleted and the others close ranks
    middle = pipeline.stages.get(code="middle")
    assert stage_remove(actor=admin, stage_id=middle.pk) is True
    assert list(pipeline.stages.values_list("code", "position")) == [("first", 0), ("last", 1)]


def test_the_last_active_stage_stays(admin: Any, unchanged: Any) -> None:
    pipeline = PipelineFactory(stages=[("only", 50)])
    with unchanged(), pytest.raises(Invalid) as caught:
        stage_deactivate(actor=admin, stage_id=pipeline.stages.get().pk)
    assert "at least one active stage" in caught.value.message


def test_a_stage_is_changed_only_through_its_own_pipeline(admin: Any, unchanged: Any) -> None:
    from fregues.core.errors import NotFound

    pipeline = PipelineFactory()
    with unchanged(), pytest.raises(NotFound):
        stage_update(
            actor=admin,
            pipeline_id=pipeline.pk,
            stage_id=default_pipeline().stages.first().pk,
            data={"name": "X"},
        )


def test_close_reasons(admin: Any, unchanged: Any) -> None:
    reason = close_reason_create(
        actor=admin, data={"kind": "lost", "name": "Prazo", "name_en": "Lead time"}
    )
    assert reason.position > 0
    with unchanged(), pytest.raises(Invalid) as caught:
        close_reason_create(actor=admin, data={"kind": "maybe", "name": ""})
    assert set(caught.value.errors) == {"kind", "name"}
    close_reason_update(actor=admin, close_reason_id=reason.pk, data={"name": "Prazo longo"})
    deal = OpportunityFactory()
    opportunity_lose(actor=admin, opportunity_id=deal.pk, close_reason_id=reason.pk)
    with unchanged(), pytest.raises(Invalid):
        close_reason_update(actor=admin, close_reason_id=reason.pk, data={"kind": "won"})
    assert close_reason_remove(actor=admin, close_reason_id=reason.pk) is False
    assert not CloseReason.objects.get(pk=reason.pk).is_active
    unused = close_reason_create(actor=admin, data={"kind": "won", "name": "Indicação"})
    assert close_reason_remove(actor=admin, close_reason_id=unused.pk) is True
    assert not CloseReason.objects.filter(pk=unused.pk).exists()


def test_only_administrators_configure(make_user: Any, unchanged: Any) -> None:
    pipeline = default_pipeline()
    for role in ("sales", "relationship_manager", "marketing", "agent"):
        user = make_user(role)
        with unchanged(), pytest.raises(Forbidden):
            stage_add(actor=user, pipeline_id=pipeline.pk, data={"name": "X", "probability": 5})
        with unchanged(), pytest.raises(Forbidden):
            close_reason_create(actor=user, data={"kind": "won", "name": "X"})

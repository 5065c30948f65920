"""API shapes of deals, pipelines and the forecast. Money travels as a decimal string
("12500.00") with its ISO 4217 currency, never as a float."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef

from ..models import Opportunity, OpportunityChange, Pipeline, PipelineStage

# ---------------------------------------------------------------- pipelines


class StageIn(Schema):
    name: str
    name_en: str = ""
    code: str = ""
    probability: int = Field(..., description="Chance of winning a deal in this stage, 0–100.")
    rotting_days: int | None = Field(
        None, description="Days idle in this stage after which a deal is rotting."
    )
    position: int | None = Field(None, description="Where to insert it (0 = first).")


class StagePatch(Schema):
    name: str | None = None
    name_en: str | None = None
    code: str | None = None
    probability: int | None = None
    rotting_days: int | None = None
    position: int | None = None
    is_active: bool | None = None


class StageOrderIn(Schema):
    stage_ids: list[int] = Field(..., description="Every active stage's id, in the new order.")


class StageOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    probability: int
    rotting_days: int | None
    position: int
    is_active: bool

    @staticmethod
    def build(stage: PipelineStage) -> StageOut:
        return StageOut(
            id=stage.pk,
            code=stage.code,
            name=stage.name,
            name_en=stage.name_en,
            probability=stage.probability,
            rotting_days=stage.rotting_days,
            position=stage.position,
            is_active=stage.is_active,
        )


class PipelineIn(Schema):
    name: str
    name_en: str = ""
    code: str = ""
    currency: str = ""
    is_default: bool = False
    stages: list[StageIn] = Field(..., description="At least one stage, in order.")


class PipelinePatch(Schema):
    name: str | None = None
    name_en: str | None = None
    currency: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    position: int | None = None


class PipelineOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    currency: str
    is_default: bool
    is_active: bool
    position: int
    stages: list[StageOut]

    @staticmethod
    def build(pipeline: Pipeline) -> PipelineOut:
        return PipelineOut(
            id=pipeline.pk,
            code=pipeline.code,
            name=pipeline.name,
            name_en=pipeline.name_en,
            currency=pipeline.currency,
            is_default=pipeline.is_default,
            is_active=pipeline.is_active,
            position=pipeline.position,
            stages=[StageOut.build(s) for s in pipeline.stages.all()],
        )


class CloseReasonIn(Schema):
    kind: str = Field(..., description="won or lost")
    name: str
    name_en: str = ""
    position: int | None = None


class CloseReasonPatch(Schema):
    kind: str | None = None
    name: str | None = None
    name_en: str | None = None
    position: int | None = None
    is_active: bool | None = None


class CloseReasonOut(Schema):
    id: int
    kind: str
    name: str
    name_en: str
    is_active: bool
    position: int


# ---------------------------------------------------------------- deals


class OpportunityIn(Schema):
    title: str
    party_id: int
    contact_id: int | None = Field(
        None, description="The person we deal with: the party or someone affiliated with it."
    )
    pipeline_id: int | None = Field(None, description="Default pipeline when left out.")
    stage_id: int | None = Field(None, description="The pipeline's first stage when left out.")
    amount: Decimal = Decimal("0")
    currency: str = Field("", description="ISO 4217 (BRL, EUR, USD…); the pipeline's if empty.")
    expected_close_date: datetime.date | None = None
    owner_id: int | None = Field(None, description="You, when left out.")
    probability: int | None = Field(None, description="0–100; overrides the stage's.")
    source: str = ""
    description: str = ""
    lead_id: int | None = None


class OpportunityPatch(Schema):
    title: str | None = None
    party_id: int | None = None
    contact_id: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    expected_close_date: datetime.date | None = None
    owner_id: int | None = None
    probability: int | None = None
    source: str | None = None
    description: str | None = None
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class MoveIn(Schema):
    stage_id: int
    pipeline_id: int | None = Field(
        None, description="Only to move the deal to a stage of another pipeline."
    )
    note: str = ""
    version: int | None = None


class WinIn(Schema):
    close_reason_id: int | None = None
    note: str = ""
    version: int | None = None


class LoseIn(Schema):
    close_reason_id: int | None = Field(None, description="A reason of kind lost, or a note.")
    note: str = ""
    version: int | None = None


class ReopenIn(Schema):
    version: int | None = None


class Ref(Schema):
    id: int
    name: str


class StageRef(Schema):
    id: int
    code: str
    name: str
    probability: int


class PipelineRef(Schema):
    id: int
    code: str
    name: str


class CloseReasonRef(Schema):
    id: int
    kind: str
    name: str


def _stage_ref(stage: PipelineStage | None) -> StageRef | None:
    if stage is None:
        return None
    return StageRef(id=stage.pk, code=stage.code, name=stage.name, probability=stage.probability)


class OpportunityOut(Schema):
    id: int
    title: str
    party: Ref
    contact: Ref | None
    pipeline: PipelineRef
    stage: StageRef
    status: str
    amount: Decimal
    currency: str
    probability: int | None = Field(description="The owner's override, if any.")
    effective_probability: int
    weighted_amount: Decimal
    expected_close_date: datetime.date | None
    owner: UserRef | None
    source: str
    description: str
    lead_id: int | None
    stage_changed_at: datetime.datetime
    days_in_stage: int
    rotting: bool
    closed_at: datetime.datetime | None
    close_reason: CloseReasonRef | None
    close_note: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(deal: Opportunity, now: datetime.datetime | None = None) -> OpportunityOut:
        from ..selectors.opportunities import days_in_stage, is_rotting, weighted_amount

        reason = deal.close_reason
        probability = deal.effective_probability
        return OpportunityOut(
            id=deal.pk,
            title=deal.title,
            party=Ref(id=deal.party_id, name=deal.party.name),
            contact=Ref(id=deal.contact.pk, name=deal.contact.name) if deal.contact else None,
            pipeline=PipelineRef(
                id=deal.pipeline_id, code=deal.pipeline.code, name=deal.pipeline.name
            ),
            stage=StageRef(
                id=deal.stage_id,
                code=deal.stage.code,
                name=deal.stage.name,
                probability=deal.stage.probability,
            ),
            status=deal.status,
            amount=deal.amount,
            currency=deal.currency,
            probability=deal.probability,
            effective_probability=probability,
            weighted_amount=weighted_amount(deal.amount, probability, deal.currency),
            expected_close_date=deal.expected_close_date,
            owner=UserRef.from_user(deal.owner),
            source=deal.source,
            description=deal.description,
            lead_id=deal.lead_id,
            stage_changed_at=deal.stage_changed_at,
            days_in_stage=days_in_stage(deal, now),
            rotting=is_rotting(deal, now=now),
            closed_at=deal.closed_at,
            close_reason=CloseReasonRef(id=reason.pk, kind=reason.kind, name=reason.name)
            if reason
            else None,
            close_note=deal.close_note,
            version=deal.version,
            created_at=deal.created_at,
            updated_at=deal.updated_at,
        )


class MoneyTotalOut(Schema):
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None
    totals: list[MoneyTotalOut] | None = Field(
        None, description="Per currency, over every match (with totals=true)."
    )


class ChangeOut(Schema):
    id: int
    from_stage: StageRef | None
    to_stage: StageRef | None
    from_status: str
    to_status: str
    amount: Decimal | None
    occurred_at: datetime.datetime
    actor: UserRef | None
    note: str

    @staticmethod
    def build(change: OpportunityChange) -> ChangeOut:
        return ChangeOut(
            id=change.pk,
            from_stage=_stage_ref(change.from_stage),
            to_stage=_stage_ref(change.to_stage),
            from_status=change.from_status,
            to_status=change.to_status,
            amount=change.amount,
            occurred_at=change.occurred_at,
            actor=UserRef.from_user(change.actor),
            note=change.note,
        )


# ---------------------------------------------------------------- board


class CardOut(Schema):
    id: int
    title: str
    party: Ref
    amount: Decimal
    currency: str
    weighted_amount: Decimal
    expected_close_date: datetime.date | None
    owner: UserRef | None
    days_in_stage: int
    rotting: bool
    overdue: bool
    version: int


class ColumnOut(Schema):
    stage: StageOut
    count: int
    totals: list[MoneyTotalOut]
    cards: list[CardOut]
    more: int = Field(description="Open deals of the stage beyond the cards sent.")


class BoardOut(Schema):
    pipeline: PipelineRef
    columns: list[ColumnOut]
    totals: list[MoneyTotalOut]

    @staticmethod
    def build(board: Any) -> BoardOut:
        def money(totals: list[Any]) -> list[MoneyTotalOut]:
            return [
                MoneyTotalOut(
                    currency=t.currency, count=t.count, amount=t.amount, weighted=t.weighted
                )
                for t in totals
            ]

        return BoardOut(
            pipeline=PipelineRef(
                id=board.pipeline.pk, code=board.pipeline.code, name=board.pipeline.name
            ),
            totals=money(board.totals),
            columns=[
                ColumnOut(
                    stage=StageOut.build(column.stage),
                    count=column.count,
                    totals=money(column.totals),
                    more=column.more,
                    cards=[
                        CardOut(
                            id=card.deal.pk,
                            title=card.deal.title,
                            party=Ref(id=card.deal.party_id, name=card.deal.party.name),
                            amount=card.deal.amount,
                            currency=card.deal.currency,
                            weighted_amount=card.weighted,
                            expected_close_date=card.deal.expected_close_date,
                            owner=UserRef.from_user(card.deal.owner),
                            days_in_stage=card.days_in_stage,
                            rotting=card.rotting,
                            overdue=card.overdue,
                            version=card.deal.version,
                        )
                        for card in column.cards
                    ],
                )
                for column in board.columns
            ],
        )


# ---------------------------------------------------------------- forecast


class ForecastCellOut(Schema):
    month: str = Field(description="YYYY-MM")
    currency: str
    weighted: Decimal = Field(description="Open deals expected to close this month, weighted.")
    open_amount: Decimal
    open_count: int
    won: Decimal = Field(description="Deals won this month.")
    won_count: int


class ForecastRowOut(Schema):
    owner: UserRef | None = Field(description="None: deals without an owner, or the totals.")
    owner_name: str
    cells: list[ForecastCellOut]


class LooseEndsOut(Schema):
    currency: str
    overdue_count: int = Field(description="Open deals whose expected close date has passed.")
    overdue_weighted: Decimal
    undated_count: int = Field(description="Open deals without an expected close date.")
    undated_amount: Decimal


class ForecastOut(Schema):
    months: list[str]
    currencies: list[str]
    rows: list[ForecastRowOut]
    totals: ForecastRowOut
    loose_ends: list[LooseEndsOut]

    @staticmethod
    def build(data: Any) -> ForecastOut:
        def row_out(row: Any) -> ForecastRowOut:
            return ForecastRowOut(
                owner=UserRef.from_user(row.owner),
                owner_name=row.owner_name,
                cells=[
                    ForecastCellOut(
                        month=month.strftime("%Y-%m"),
                        currency=currency,
                        weighted=cell.weighted,
                        open_amount=cell.open_amount,
                        open_count=cell.open_count,
                        won=cell.won,
                        won_count=cell.won_count,
                    )
                    for (month, currency), cell in sorted(row.cells.items())
                ],
            )

        return ForecastOut(
            months=[m.strftime("%Y-%m") for m in data.months],
            currencies=data.currencies,
            rows=[row_out(r) for r in data.rows],
            totals=row_out(data.totals),
            loose_ends=[
                LooseEndsOut(currency=currency, **vars(ends))
                for currency, ends in sorted(data.loose.items())
            ],
        )

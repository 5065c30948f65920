"""/api/v1/opportunities and /api/v1/pipelines: what a client sends and gets back, the
refusals (422 with nothing written, 409 on a stale version), the filters and pages of the
list, the board's data, and what each role may do."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import CloseReason, Opportunity, OpportunityChange, Pipeline

from .factories import OpportunityFactory, PipelineFactory, default_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia", last_name="Vendas")


@pytest.fixture
def api(seller: Any, api_for: Any) -> Any:
    return api_for(seller)


def stage_id(code: str, pipeline: Any = None) -> int:
    return (pipeline or default_pipeline()).stages.get(code=code).pk


# ---------------------------------------------------------------- create and read


def test_create_and_read_a_deal(api: Any, seller: Any) -> None:
    party = PartyFactory(name="Padaria Estrela")
    response = api.post(
        "/opportunities",
        {
            "title": "Fornos novos",
            "party_id": party.pk,
            "amount": "12500.50",
            "currency": "brl",
            "expected_close_date": "2026-12-20",
            "probability": 35,
            "source": "referral",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "12500.50" and body["currency"] == "BRL"
    assert body["party"] == {"id": party.pk, "name": "Padaria Estrela"}
    assert body["stage"]["code"] == "qualification" and body["status"] == "open"
    assert body["effective_probability"] == 35 and body["weighted_amount"] == "4375.18"
    assert body["owner"]["id"] == seller.pk and body["version"] == 1
    assert body["rotting"] is False and body["days_in_stage"] == 0
    again = api.get(f"/opportunities/{body['id']}").json()
    assert again == body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"amount": "-10"}, "amount"),
        ({"probability": 101}, "probability"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(
    api: Any, unchanged: Any, change: dict[str, Any], field: str
) -> None:
    party = PartyFactory()
    with unchanged():
        response = api.post(
            "/opportunities", {"title": "Deal", "party_id": party.pk, "amount": "10", **change}
        )
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_a_stage_from_another_pipeline_is_422_with_nothing_written(
    api: Any, unchanged: Any
) -> None:
    party = PartyFactory()
    other = PipelineFactory()
    deal = OpportunityFactory()
    with unchanged():
        created = api.post(
            "/opportunities",
            {"title": "X", "party_id": party.pk, "stage_id": stage_id("middle", other)},
        )
        moved = api.post(f"/opportunities/{deal.pk}/move", {"stage_id": stage_id("middle", other)})
    assert created.status_code == 422 and "stage_id" in created.json()["errors"]
    assert moved.status_code == 422 and "stage_id" in moved.json()["errors"]
    across = api.post(
        f"/opportunities/{deal.pk}/move",
        {"stage_id": stage_id("middle", other), "pipeline_id": other.pk},
    )
    assert across.status_code == 200 and across.json()["pipeline"]["id"] == other.pk


def test_a_stale_version_is_409(api: Any, unchanged: Any) -> None:
    deal = OpportunityFactory()
    ok = api.patch(f"/opportunities/{deal.pk}", {"amount": "99.90", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    with unchanged():
        stale = api.patch(f"/opportunities/{deal.pk}", {"title": "Outro"}, **{"If-Match": '"1"'})
        stale_move = api.post(
            f"/opportunities/{deal.pk}/move", {"stage_id": stage_id("proposal"), "version": 1}
        )
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert stale_move.status_code == 409
    assert stale.json()["current_version"] == 2


def test_move_win_lose_reopen_and_history(api: Any, seller: Any, unchanged: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    moved = api.post(f"/opportunities/{deal.pk}/move", {"stage_id": stage_id("negotiation")})
    assert moved.json()["stage"]["code"] == "negotiation"
    assert moved.json()["effective_probability"] == 75
    with unchanged():
        refused = api.post(f"/opportunities/{deal.pk}/lose", {})
    assert refused.status_code == 422 and "close_reason_id" in refused.json()["errors"]
    lost_reason = CloseReason.objects.filter(kind="lost").first()
    assert lost_reason is not None
    lost = api.post(f"/opportunities/{deal.pk}/lose", {"close_reason_id": lost_reason.pk})
    assert lost.json()["status"] == "lost"
    assert lost.json()["close_reason"]["name"] == lost_reason.name
    with unchanged():
        closed_move = api.post(f"/opportunities/{deal.pk}/move", {"stage_id": stage_id("contact")})
    assert closed_move.status_code == 409
    reopened = api.post(f"/opportunities/{deal.pk}/reopen", {})
    assert reopened.json()["status"] == "open"
    won = api.post(f"/opportunities/{deal.pk}/win", {"note": "Assinado"})
    assert won.json()["status"] == "won" and won.json()["weighted_amount"] == "10000.00"
    history = api.get(f"/opportunities/{deal.pk}/history").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("open", "won"),
        ("lost", "open"),
        ("open", "lost"),
        ("open", "open"),
    ]
    assert history[-1]["to_stage"]["code"] == "negotiation"
    assert history[0]["actor"]["id"] == seller.pk and history[0]["note"] == "Assinado"


def test_close_reasons_are_listed_for_the_client(api: Any) -> None:
    reasons = api.get("/opportunities/close-reasons", {"kind": "lost"}).json()
    assert {r["kind"] for r in reasons} == {"lost"} and len(reasons) == 5


# ---------------------------------------------------------------- the list


def test_the_list_filters_pages_and_totals(api: Any, seller: Any) -> None:
    other_seller = seller.__class__.objects.create(username="outro", role="sales")
    bakery = PartyFactory(name="Padaria Estrela")
    today = timezone.localdate()
    mine = [
        OpportunityFactory(
            owner=seller,
            party=bakery,
            title=f"Forno {i}",
            amount=Decimal("1000.00") * (i + 1),
            expected_close_date=today + datetime.timedelta(days=i),
        )
        for i in range(5)
    ]
    OpportunityFactory(owner=other_seller, title="Outro negócio", amount=Decimal("7.00"))
    OpportunityFactory(owner=seller, title="Em euros", amount=Decimal("50.00"), currency="EUR")
    stale = OpportunityFactory(
        owner=seller,
        title="Parado",
        stage_changed_at=timezone.now() - datetime.timedelta(days=30),
    )
    assert {i["id"] for i in api.get("/opportunities", {"mine": "true"}).json()["items"]} == {
        d.pk for d in [*mine, stale]
    } | {Opportunity.objects.get(title="Em euros").pk}
    assert [i["title"] for i in api.get("/opportunities", {"q": "estrela"}).json()["items"]] == [
        "Forno 4",
        "Forno 3",
        "Forno 2",
        "Forno 1",
        "Forno 0",
    ]
    rotting = api.get("/opportunities", {"rotting": "true"}).json()["items"]
    assert [i["title"] for i in rotting] == ["Parado"] and rotting[0]["rotting"] is True
    ranged = api.get(
        "/opportunities", {"amount_min": "2000", "amount_max": "4000", "sort": "amount"}
    ).json()
    assert [i["title"] for i in ranged["items"]] == ["Forno 3", "Forno 2", "Forno 1"]
    # pages by expected close, then the totals over every match
    first = api.get("/opportunities", {"q": "forno", "sort": "close", "limit": 2}).json()
    second = api.get(
        "/opportunities",
        {"q": "forno", "sort": "close", "limit": 2, "cursor": first["next_cursor"]},
    ).json()
    third = api.get(
        "/opportunities",
        {"q": "forno", "sort": "close", "limit": 2, "cursor": second["next_cursor"]},
    ).json()
    titles = [i["title"] for page in (first, second, third) for i in page["items"]]
    assert titles == [f"Forno {i}" for i in range(5)] and third["next_cursor"] is None
    totals = api.get("/opportunities", {"mine": "true", "totals": "true"}).json()["totals"]
    assert totals == [
        {"currency": "BRL", "count": 6, "amount": "25000.00", "weighted": "2500.00"},
        {"currency": "EUR", "count": 1, "amount": "50.00", "weighted": "5.00"},
    ]
    bad = api.get("/opportunities", {"cursor": "not-a-cursor"})
    assert bad.status_code == 422


def test_the_list_reads_a_fixed_number_of_queries(
    api: Any, seller: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        OpportunityFactory(owner=seller)
    with django_assert_max_num_queries(6):
        response = api.get("/opportunities", {"limit": 100, "totals": "true"})
    assert len(response.json()["items"]) == 30


# ---------------------------------------------------------------- pipelines and board


def test_pipelines_are_set_up_through_the_api(admin_api: Any, unchanged: Any) -> None:
    created = admin_api.post(
        "/pipelines",
        {
            "name": "Renovações",
            "currency": "EUR",
            "stages": [
                {"name": "Aviso", "probability": 60},
                {"name": "Renovado", "probability": 90},
            ],
        },
    )
    assert created.status_code == 201, created.content
    pipeline = created.json()
    assert [s["code"] for s in pipeline["stages"]] == ["aviso", "renovado"]
    added = admin_api.post(
        f"/pipelines/{pipeline['id']}/stages",
        {"name": "Negociação", "probability": 75, "rotting_days": 5, "position": 1},
    )
    assert added.status_code == 201
    stage = added.json()
    patched = admin_api.patch(
        f"/pipelines/{pipeline['id']}/stages/{stage['id']}", {"name_en": "Negotiation"}
    )
    assert patched.json()["name_en"] == "Negotiation"
    order = [s["id"] for s in pipeline["stages"]] + [stage["id"]]
    reordered = admin_api.post(f"/pipelines/{pipeline['id']}/stages/reorder", {"stage_ids": order})
    assert [s["code"] for s in reordered.json()["stages"]] == ["aviso", "renovado", "negociacao"]
    deal = OpportunityFactory(pipeline=Pipeline.objects.get(pk=pipeline["id"]))
    with unchanged():
        busy = admin_api.delete(f"/pipelines/{pipeline['id']}/stages/{order[0]}")
    assert busy.status_code == 409 and busy.json()["code"] == "stage_not_empty"
    assert deal.stage_id == order[0]
    gone = admin_api.delete(f"/pipelines/{pipeline['id']}/stages/{stage['id']}")
    assert gone.status_code == 204
    default = admin_api.patch(f"/pipelines/{pipeline['id']}", {"is_default": True})
    assert default.json()["is_default"] is True
    listed = admin_api.get("/pipelines").json()
    assert [p["is_default"] for p in listed].count(True) == 1


def test_the_board_numbers_and_rotting_flag(api: Any, seller: Any) -> None:
    pipeline = PipelineFactory(stages=[("first", 10), ("middle", 50), ("last", 80)])
    first = pipeline.stages.get(code="first")
    middle = pipeline.stages.get(code="middle")
    long_ago = timezone.now() - datetime.timedelta(days=11)  # rotting after 10 days
    OpportunityFactory(pipeline=pipeline, stage=first, amount=Decimal("1000.00"), owner=seller)
    OpportunityFactory(
        pipeline=pipeline,
        stage=first,
        amount=Decimal("500.00"),
        probability=40,
        stage_changed_at=long_ago,
        title="Esquecido",
    )
    OpportunityFactory(pipeline=pipeline, stage=first, amount=Decimal("200.00"), currency="USD")
    OpportunityFactory(pipeline=pipeline, stage=middle, amount=Decimal("300.00"), owner=seller)
    OpportunityFactory(pipeline=pipeline, stage=middle, amount=Decimal("999.00"), status="won")
    board = api.get(f"/pipelines/{pipeline.pk}/board").json()
    columns = {c["stage"]["code"]: c for c in board["columns"]}
    assert list(columns) == ["first", "middle", "last"]
    assert columns["first"]["count"] == 3
    assert columns["first"]["totals"] == [
        {"currency": "BRL", "count": 2, "amount": "1500.00", "weighted": "300.00"},
        {"currency": "USD", "count": 1, "amount": "200.00", "weighted": "20.00"},
    ]
    assert columns["middle"]["totals"] == [
        {"currency": "BRL", "count": 1, "amount": "300.00", "weighted": "150.00"}
    ]
    assert columns["last"]["count"] == 0 and columns["last"]["cards"] == []
    flags = {c["title"]: c["rotting"] for c in columns["first"]["cards"]}
    assert flags.pop("Esquecido") is True and not any(flags.values())
    assert board["totals"][0] == {
        "currency": "BRL",
        "count": 3,
        "amount": "1800.00",
        "weighted": "450.00",
    }
    mine = api.get(f"/pipelines/{pipeline.pk}/board", {"mine": "true"}).json()
    assert [c["count"] for c in mine["columns"]] == [1, 1, 0]


def test_the_board_reads_a_fixed_number_of_queries(
    api: Any, django_assert_max_num_queries: Any
) -> None:
    pipeline = default_pipeline()
    for stage in pipeline.stages.all():
        for _ in range(8):
            OpportunityFactory(stage=stage)
    with django_assert_max_num_queries(6):
        response = api.get(f"/pipelines/{pipeline.pk}/board")
    assert sum(c["count"] for c in response.json()["columns"]) == 32


def test_the_board_caps_the_cards_per_column(api: Any) -> None:
    pipeline = default_pipeline()
    first = pipeline.stages.get(code="qualification")
    for _ in range(5):
        OpportunityFactory(stage=first)
    column = api.get(f"/pipelines/{pipeline.pk}/board", {"per_stage": 2}).json()["columns"][0]
    assert column["count"] == 5 and len(column["cards"]) == 2 and column["more"] == 3


# ---------------------------------------------------------------- who may do what

SALES, MANAGER, AGENT, QUALITY, MARKETING, ADMIN = (
    "sales",
    "relationship_manager",
    "agent",
    "quality_manager",
    "marketing",
    "admin",
)
EVERYONE = {SALES, MANAGER, AGENT, QUALITY, MARKETING, ADMIN}
READERS = EVERYONE - {MARKETING}
WRITERS = {SALES, MANAGER, ADMIN}


@dataclass
class Call:
    name: str
    allowed: set[str]
    success: int
    run: Callable[[Any, dict[str, Any]], Any]


CALLS = [
    Call("list deals", READERS, 200, lambda api, w: api.get("/opportunities")),
    Call("read a deal", READERS, 200, lambda api, w: api.get(f"/opportunities/{w['deal'].pk}")),
    Call(
        "read a deal's history",
        READERS,
        200,
        lambda api, w: api.get(f"/opportunities/{w['deal'].pk}/history"),
    ),
    Call(
        "read the board",
        READERS,
        200,
        lambda api, w: api.get(f"/pipelines/{default_pipeline().pk}/board"),
    ),
    Call("list pipelines", EVERYONE, 200, lambda api, w: api.get("/pipelines")),
    Call("read the forecast", WRITERS | {MARKETING}, 200, lambda api, w: api.get("/forecast")),
    Call(
        "create a deal",
        WRITERS,
        201,
        lambda api, w: api.post("/opportunities", {"title": "X", "party_id": w["party"].pk}),
    ),
    Call(
        "change a deal",
        WRITERS,
        200,
        lambda api, w: api.patch(f"/opportunities/{w['deal'].pk}", {"title": "Y"}),
    ),
    Call(
        "move a deal",
        WRITERS,
        200,
        lambda api, w: api.post(
            f"/opportunities/{w['deal'].pk}/move", {"stage_id": stage_id("proposal")}
        ),
    ),
    Call(
        "win a deal",
        WRITERS,
        200,
        lambda api, w: api.post(f"/opportunities/{w['deal'].pk}/win", {}),
    ),
    Call(
        "lose a deal",
        WRITERS,
        200,
        lambda api, w: api.post(f"/opportunities/{w['deal'].pk}/lose", {"note": "caro"}),
    ),
    Call(
        "create a pipeline",
        {ADMIN},
        201,
        lambda api, w: api.post(
            "/pipelines", {"name": "Novo", "stages": [{"name": "A", "probability": 10}]}
        ),
    ),
    Call(
        "add a stage",
        {ADMIN},
        201,
        lambda api, w: api.post(
            f"/pipelines/{default_pipeline().pk}/stages", {"name": "B", "probability": 90}
        ),
    ),
    Call(
        "add a reason",
        {ADMIN},
        201,
        lambda api, w: api.post("/opportunities/close-reasons", {"kind": "lost", "name": "Z"}),
    ),
]


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_each_role_may_do_what_its_job_needs(
    api_as: Any, unchanged: Any, role: str, call: Call
) -> None:
    world = {"party": PartyFactory(), "deal": OpportunityFactory()}
    api = api_as(role)
    if role in call.allowed:
        response = call.run(api, world)
        assert response.status_code == call.success, (role, response.content)
    else:
        with unchanged():
            response = call.run(api, world)
        assert response.status_code == 403, (role, response.content)
        assert response.json()["code"] == "forbidden"


def test_marketing_reads_the_forecast_without_any_deal_or_customer(api_as: Any) -> None:
    party = PartyFactory(name="Segredo Comercial Ltda")
    OpportunityFactory(
        party=party,
        title="Contrato confidencial",
        expected_close_date=timezone.localdate(),
        amount=Decimal("4321.00"),
    )
    OpportunityFactory(party=party, title="Já ganho", status="won", closed_at=timezone.now())
    marketing = api_as(MARKETING)
    assert marketing.get("/opportunities").status_code == 403
    response = marketing.get("/forecast")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Segredo" not in text and "confidencial" not in text and "ganho" not in text
    totals = response.json()["totals"]["cells"]
    assert any(c["weighted"] == "432.10" for c in totals)
    assert any(c["won"] == "10000.00" for c in totals)


def test_deals_change_nothing_when_refused(api_as: Any, unchanged: Any) -> None:
    deal = OpportunityFactory()
    marketing = api_as(MARKETING)
    with unchanged():
        response = marketing.post(
            f"/opportunities/{deal.pk}/move", {"stage_id": stage_id("proposal")}
        )
    assert response.status_code == 403
    assert not OpportunityChange.objects.exists()


def test_the_endpoints_are_documented() -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/opportunities": {"get", "post"},
        "/api/v1/opportunities/{opportunity_id}": {"get", "patch"},
        "/api/v1/opportunities/{opportunity_id}/move": {"post"},
        "/api/v1/opportunities/{opportunity_id}/win": {"post"},
        "/api/v1/opportunities/{opportunity_id}/lose": {"post"},
        "/api/v1/opportunities/{opportunity_id}/reopen": {"post"},
        "/api/v1/opportunities/{opportunity_id}/history": {"get"},
        "/api/v1/opportunities/close-reasons": {"get", "post"},
        "/api/v1/pipelines": {"get", "post"},
        "/api/v1/pipelines/{pipeline_id}": {"get", "patch"},
        "/api/v1/pipelines/{pipeline_id}/stages": {"post"},
        "/api/v1/pipelines/{pipeline_id}/stages/{stage_id}": {"patch", "delete"},
        "/api/v1/pipelines/{pipeline_id}/board": {"get"},
        "/api/v1/forecast": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    create = paths["/api/v1/opportunities"]["post"]["responses"]
    assert {"201", "403", "409", "422"} <= set(create)

"""The deal screens: the board and its moves (as the drag-and-drop script and the no-script
forms send them), the list with its filters and totals, the deal page and its actions, a new
deal from the customer page, the forecast, and who may open what."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fregues.core.htmx import slot_register
from fregues.parties.models import Affiliation
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import CloseReason, Opportunity, OpportunityChange

from .factories import OpportunityFactory, PipelineFactory, default_pipeline

pytestmark = pytest.mark.django_db

BOARD = {"X-Board": "1"}


def client_for(user: Any) -> Client:
    """A signed-in browser that reads the screens in English (the texts checked here stay
    the same when the translations change)."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def html(response: Any) -> str:
    return response.content.decode()


def stage(code: str) -> Any:
    return default_pipeline().stages.get(code=code)


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia", last_name="Vendas")


@pytest.fixture
def web(seller: Any) -> Client:
    return client_for(seller)


# ---------------------------------------------------------------- who may open what

PAGES = [
    ("sales:pipeline", []),
    ("sales:opportunities", []),
    ("sales:opportunity_create", []),
    ("sales:forecast", []),
    ("sales:setup_pipelines", []),
    ("sales:setup_close_reasons", []),
]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            "sales",
            {"sales:pipeline", "sales:opportunities", "sales:opportunity_create", "sales:forecast"},
        ),
        ("agent", {"sales:pipeline", "sales:opportunities"}),
        ("marketing", {"sales:forecast"}),
        ("admin", {name for name, _args in PAGES}),
    ],
)
def test_each_role_opens_its_screens(make_user: Any, role: str, allowed: set[str]) -> None:
    client = client_for(make_user(role))
    for name, args in PAGES:
        status = client.get(reverse(name, args=args)).status_code
        assert status == (200 if name in allowed else 403), (role, name, status)


def test_the_deal_page_is_closed_to_marketing(make_user: Any) -> None:
    deal = OpportunityFactory()
    response = client_for(make_user("marketing")).get(reverse("sales:opportunity", args=[deal.pk]))
    assert response.status_code == 403


# ---------------------------------------------------------------- the board


def test_the_board_shows_columns_totals_and_rotting_cards(web: Client, seller: Any) -> None:
    OpportunityFactory(title="Fornos novos", amount=Decimal("1500.00"), owner=seller)
    OpportunityFactory(
        title="Esquecido",
        stage=stage("contact"),
        stage_changed_at=timezone.now() - datetime.timedelta(days=20),
    )
    page = html(web.get(reverse("sales:pipeline")))
    for name in ("Qualification", "Contact made", "Proposal sent", "Negotiation"):
        assert name in page
    assert "Fornos novos" in page and "R$1,500.00" in page
    rotting = re.search(r'<li class="deal-card is-rotting"[^>]*data-title="([^"]+)"', page)
    assert rotting and rotting.group(1) == "Esquecido"
    assert "sortable.min.js" in page and "sales/deals.js" in page
    assert "<script>" not in page  # no inline scripts
    mine = html(web.get(reverse("sales:pipeline"), {"owner": "mine"}))
    assert "Fornos novos" in mine and "Esquecido" not in mine


def test_the_board_reads_a_fixed_number_of_queries(
    web: Client, django_assert_max_num_queries: Any
) -> None:
    for s in default_pipeline().stages.all():
        for _ in range(6):
            OpportunityFactory(stage=s)
    with django_assert_max_num_queries(14):
        response = web.get(reverse("sales:pipeline"))
    assert html(response).count('class="deal-card') == 24


def test_a_drop_on_the_board_moves_the_deal_and_answers_both_columns(
    web: Client, seller: Any
) -> None:
    deal = OpportunityFactory(title="Fornos novos", owner=seller)
    target = stage("contact")
    response = web.post(
        reverse("sales:opportunity_move", args=[deal.pk]),
        {"stage_id": target.pk, "version": 1, "owner": ""},
        headers=BOARD,
    )
    assert response.status_code == 200
    body = html(response)
    assert 'class="board-update"' in body and 'data-kind="success"' in body
    assert f'id="col-{deal.stage_id}"' in body and f'id="col-{target.pk}"' in body
    assert 'id="board-totals"' in body
    to_column = body[body.index(f'id="col-{target.pk}"') :]
    assert "Fornos novos" in to_column
    assert Opportunity.objects.get(pk=deal.pk).stage == target


def test_a_stale_drop_is_refused_and_the_card_stays(web: Client, unchanged: Any) -> None:
    deal = OpportunityFactory(title="Fornos novos")
    Opportunity.objects.filter(pk=deal.pk).update(version=3)
    with unchanged():
        response = web.post(
            reverse("sales:opportunity_move", args=[deal.pk]),
            {"stage_id": stage("proposal").pk, "version": 1},
            headers=BOARD,
        )
    assert response.status_code == 409
    body = html(response)
    assert 'data-kind="error"' in body and "changed this deal" in body
    from_column = body[body.index(f'id="col-{deal.stage_id}"') :]
    assert 'data-version="3"' in from_column


def test_won_and_lost_drops(web: Client, unchanged: Any) -> None:
    deal = OpportunityFactory(title="Fornos novos")
    lost = OpportunityFactory(title="Perdido")
    won = web.post(reverse("sales:opportunity_win", args=[deal.pk]), {"version": 1}, headers=BOARD)
    assert won.status_code == 200 and "Fornos novos" in html(won)
    assert Opportunity.objects.get(pk=deal.pk).status == "won"
    with unchanged():
        no_reason = web.post(
            reverse("sales:opportunity_lose", args=[lost.pk]), {"version": 1}, headers=BOARD
        )
    assert no_reason.status_code == 422 and "Say why" in html(no_reason)
    reason = CloseReason.objects.filter(kind="lost").first()
    assert reason is not None
    done = web.post(
        reverse("sales:opportunity_lose", args=[lost.pk]),
        {"version": 1, "close_reason": reason.pk},
        headers=BOARD,
    )
    assert done.status_code == 200
    assert Opportunity.objects.get(pk=lost.pk).close_reason == reason


def test_the_card_select_works_without_javascript(web: Client) -> None:
    deal = OpportunityFactory()
    board = reverse("sales:pipeline") + "?pipeline=" + str(deal.pipeline_id)
    response = web.post(
        reverse("sales:opportunity_move", args=[deal.pk]),
        {"stage_id": stage("negotiation").pk, "version": 1, "next": board},
    )
    assert response.status_code == 302 and response["Location"] == board
    assert Opportunity.objects.get(pk=deal.pk).stage.code == "negotiation"
    lost = web.post(
        reverse("sales:opportunity_move", args=[deal.pk]), {"stage_id": "lost", "version": 2}
    )
    assert lost["Location"].endswith(f"/sales/opportunities/{deal.pk}/#lose")


def test_a_role_that_may_not_move_gets_the_card_back(make_user: Any, unchanged: Any) -> None:
    deal = OpportunityFactory()
    agent = client_for(make_user("agent"))
    with unchanged():
        response = agent.post(
            reverse("sales:opportunity_move", args=[deal.pk]),
            {"stage_id": stage("proposal").pk},
            headers=BOARD,
        )
    assert response.status_code == 403 and "does not allow" in html(response)


# ---------------------------------------------------------------- the list


def test_the_list_filters_and_totals(web: Client, seller: Any) -> None:
    OpportunityFactory(title="Forno grande", amount=Decimal("3000.00"), owner=seller)
    OpportunityFactory(title="Forno pequeno", amount=Decimal("1000.00"))
    OpportunityFactory(title="Ganho antigo", status="won", closed_at=timezone.now())
    page = html(web.get(reverse("sales:opportunities")))  # opens on the open deals
    assert "Forno grande" in page and "Forno pequeno" in page and "Ganho antigo" not in page
    totals = page[page.index('id="deal-totals"') : page.index('id="deal-rows"')]
    assert "R$4,000.00" in totals and "2 deals" in totals
    mine = html(web.get(reverse("sales:opportunities"), {"owner": "mine", "q": "forno"}))
    assert "Forno grande" in mine and "Forno pequeno" not in mine
    everything = html(web.get(reverse("sales:opportunities"), {"status": ""}))
    assert "Ganho antigo" in everything


def test_the_list_pages_with_htmx(web: Client, django_assert_max_num_queries: Any) -> None:
    for i in range(35):
        OpportunityFactory(title=f"Negócio {i:02d}")
    first = html(web.get(reverse("sales:opportunities"), {"sort": "close", "status": "open"}))
    assert first.count('class="deal-row') == 30
    cursor = re.search(r"cursor=([\w-]+)", first)
    assert cursor
    with django_assert_max_num_queries(6):
        more = web.get(
            reverse("sales:opportunities"),
            {"sort": "close", "status": "open", "cursor": cursor.group(1), "fragment": "rows"},
            headers={"HX-Request": "true"},
        )
    assert html(more).count('class="deal-row') == 5


# ---------------------------------------------------------------- the deal page


def test_the_deal_page(web: Client, seller: Any) -> None:
    deal = OpportunityFactory(title="Fornos novos", owner=seller, stage=stage("proposal"))
    OpportunityChange.objects.create(
        opportunity=deal,
        to_stage=deal.stage,
        to_status="open",
        occurred_at=timezone.now(),
        actor=seller,
    )
    slot_register("opportunity.main", "tests.main", lambda r, d: f"<p>painel de {d.title}</p>")
    slot_register("opportunity.side", "tests.side", lambda r, d: "<p>cotações</p>")
    page = html(web.get(reverse("sales:opportunity", args=[deal.pk])))
    assert "painel de Fornos novos" in page and "cotações" in page
    assert 'aria-current="step"' in page and "Proposal sent" in page
    assert 'id="win-button"' in page and 'id="lose-button"' in page
    assert "Created in" in page


def test_the_stage_bar_moves_and_the_actions_close_and_reopen(web: Client) -> None:
    deal = OpportunityFactory()
    url = reverse("sales:opportunity", args=[deal.pk])
    moved = web.post(
        reverse("sales:opportunity_move", args=[deal.pk]),
        {"stage_id": stage("negotiation").pk, "version": 1, "next": url},
    )
    assert moved["Location"] == url
    refused = web.post(reverse("sales:opportunity_lose", args=[deal.pk]), {"version": 2})
    assert refused.status_code == 422
    assert "Say why" in html(refused) and 'id="lose" open' in html(refused)
    web.post(reverse("sales:opportunity_lose", args=[deal.pk]), {"version": 2, "note": "caro"})
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.close_note == "caro"
    page = html(web.get(url))
    assert 'id="reopen-button"' in page and "caro" in page
    web.post(reverse("sales:opportunity_reopen", args=[deal.pk]), {"version": deal.version})
    assert Opportunity.objects.get(pk=deal.pk).status == "open"


def test_editing_shows_the_services_errors(web: Client, unchanged: Any) -> None:
    deal = OpportunityFactory()
    url = reverse("sales:opportunity_edit", args=[deal.pk])
    data = {"title": "Fornos", "amount": "-3", "currency": "XYZ", "version": 1}
    with unchanged():
        response = web.post(url, data)
    assert response.status_code == 422
    page = html(response)
    assert "negative" in page
    assert "XYZ" in page and 'id="edit-details" open' in page
    ok = web.post(url, {**data, "amount": "1.234,50", "currency": "EUR"})
    assert ok.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("1234.50") and deal.currency == "EUR"
    with unchanged():
        stale = web.post(url, {**data, "amount": "1", "currency": "EUR", "version": 1})
    assert stale.status_code == 409


# ---------------------------------------------------------------- a new deal


def test_a_new_deal_from_the_customer_page(web: Client, seller: Any) -> None:
    company = PartyFactory(kind="organization", name="Metalúrgica Alfa")
    buyer = PartyFactory(name="Carla Compras")
    Affiliation.objects.create(person=buyer, organization=company)
    url = reverse("sales:opportunity_create") + f"?party={company.pk}"
    form = html(web.get(url))
    assert "Metalúrgica Alfa" in form and "Carla Compras" in form
    other = PipelineFactory()
    refused = web.post(
        url,
        {
            "party": company.pk,
            "title": "Prensa",
            "pipeline": default_pipeline().pk,
            "stage": other.stages.first().pk,
            "amount": "-1",
            "owner": seller.pk,
        },
    )
    assert refused.status_code == 422
    assert not Opportunity.objects.exists()
    created = web.post(
        url,
        {
            "party": company.pk,
            "title": "Prensa",
            "contact": buyer.pk,
            "pipeline": default_pipeline().pk,
            "stage": stage("proposal").pk,
            "amount": "25.000,00",
            "currency": "BRL",
            "expected_close_date": "2026-12-01",
            "owner": seller.pk,
        },
    )
    deal = Opportunity.objects.get()
    assert created["Location"] == reverse("sales:opportunity", args=[deal.pk])
    assert (deal.party, deal.contact, deal.stage.code) == (company, buyer, "proposal")
    assert deal.amount == Decimal("25000.00")


def test_the_customer_and_contact_pickers(web: Client) -> None:
    company = PartyFactory(kind="organization", name="Padaria Estrela")
    buyer = PartyFactory(name="Bia Compras")
    Affiliation.objects.create(person=buyer, organization=company)
    found = html(web.get(reverse("sales:opportunity_parties"), {"party_q": "estrela"}))
    assert f'value="{company.pk}"' in found
    contacts = html(web.get(reverse("sales:opportunity_contacts"), {"party": company.pk}))
    assert "Bia Compras" in contacts and 'id="contact-field"' in contacts


# ---------------------------------------------------------------- forecast


def test_the_forecast_page_for_marketing(make_user: Any) -> None:
    party = PartyFactory(name="Segredo Comercial")
    OpportunityFactory(
        party=party,
        title="Contrato confidencial",
        amount=Decimal("1000.00"),
        expected_close_date=timezone.localdate(),
    )
    page = html(client_for(make_user("marketing")).get(reverse("sales:forecast")))
    assert "Segredo" not in page and "confidencial" not in page
    assert "R$100.00" in page  # 1 000 at 10 %
    assert "--w: 100.0%" in page


# ---------------------------------------------------------------- setup


def test_pipelines_setup(make_user: Any) -> None:
    admin = client_for(make_user("admin"))
    url = reverse("sales:setup_pipelines")
    assert "Novos negócios" in html(admin.get(url))  # the name as the office typed it
    created = admin.post(
        url,
        {
            "new-name": "Renovações",
            "new-currency": "EUR",
            "new-first_stage": "Aviso",
            "new-first_probability": "60",
        },
    )
    assert created.status_code == 302
    pipeline = default_pipeline().__class__.objects.get(code="renovacoes")
    add = reverse("sales:setup_stage_add", args=[pipeline.pk])
    admin.post(
        add,
        {f"new{pipeline.pk}-name": "Fechamento", f"new{pipeline.pk}-probability": "90"},
    )
    bad = admin.post(add, {f"new{pipeline.pk}-name": "X", f"new{pipeline.pk}-probability": "120"})
    assert bad.status_code == 422 and "0 to 100" in html(bad)
    first, second = list(pipeline.stages.order_by("position"))
    admin.post(reverse("sales:setup_stage", args=[pipeline.pk, second.pk]), {"action": "up"})
    assert list(pipeline.stages.order_by("position")) == [second, first]
    OpportunityFactory(pipeline=pipeline, stage=first)
    admin.post(reverse("sales:setup_stage", args=[pipeline.pk, first.pk]), {"action": "remove"})
    first.refresh_from_db()
    assert first.is_active
    saved = admin.post(
        reverse("sales:setup_stage", args=[pipeline.pk, second.pk]),
        {
            f"s{second.pk}-name": "Fechamento",
            f"s{second.pk}-name_en": "Closing",
            f"s{second.pk}-probability": "95",
            f"s{second.pk}-rotting_days": "7",
            f"s{second.pk}-is_active": "on",
        },
    )
    assert saved.status_code == 302
    second.refresh_from_db()
    assert (second.name_en, second.probability, second.rotting_days) == ("Closing", 95, 7)
    order = admin.post(
        reverse("sales:setup_stage_order", args=[pipeline.pk]),
        {"stage_ids": [first.pk, second.pk]},
    )
    assert order.status_code == 204


def test_close_reasons_setup(make_user: Any) -> None:
    admin = client_for(make_user("admin"))
    url = reverse("sales:setup_close_reasons")
    assert "Concorrente" in html(admin.get(url))  # the name as the office typed it
    admin.post(url, {"new-kind": "lost", "new-name": "Prazo", "new-name_en": "Lead time"})
    reason = CloseReason.objects.get(name="Prazo")
    edit = reverse("sales:setup_close_reason", args=[reason.pk])
    admin.post(
        edit,
        {f"r{reason.pk}-kind": "lost", f"r{reason.pk}-name": "Prazo longo", "action": "save"},
    )
    reason.refresh_from_db()
    assert reason.name == "Prazo longo" and not reason.is_active  # the box was left unticked
    admin.post(edit, {"action": "remove"})
    assert not CloseReason.objects.filter(pk=reason.pk).exists()


def test_a_move_without_a_stage_says_to_choose_one(web: Client, seller: Any) -> None:
    deal = OpportunityFactory(owner=seller)
    before = deal.stage_id

    moved = web.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": ""}, follow=True)

    assert moved.status_code == 200
    assert "Choose the stage." in html(moved)
    deal.refresh_from_db()
    assert deal.stage_id == before

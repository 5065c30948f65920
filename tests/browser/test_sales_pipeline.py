"""The pipeline board in a real browser: a salesperson drags a deal from one column to the
next with the mouse (SortableJS), drops one on Lost and says why, and moves one with the
keyboard; the database and the page after a reload agree."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def sofia(users: dict[str, Any]) -> Any:
    from fregues.accounts.models import User

    from .conftest import PASSWORD

    return User.objects.create_user(
        username="sofia", password=PASSWORD, role="sales", first_name="Sofia", last_name="Vendas"
    )


@pytest.fixture
def deals(sofia: Any, joao: Any) -> dict[str, Any]:
    """Three open deals of Sofia's in the first stage of the default pipeline."""
    from fregues.sales.models import Pipeline
    from fregues.sales.services.opportunities import opportunity_create

    pipeline = Pipeline.objects.get(is_default=True)
    made = {
        title: opportunity_create(
            actor=sofia,
            data={
                "title": title,
                "party_id": joao.pk,
                "amount": amount,
                "expected_close_date": timezone.localdate() + datetime.timedelta(days=days),
            },
        )
        for title, amount, days in (
            ("Fornos novos", "12500.00", 10),
            ("Balcão refrigerado", "8000.00", 20),
            ("Manutenção anual", "3000.00", 30),
        )
    }
    return {"pipeline": pipeline, "stages": list(pipeline.stages.order_by("position")), **made}


def drag(page: Any, source: Any, target: Any) -> None:
    """Press the mouse on ``source``, move it in small steps onto ``target``, release. (The
    Won and Lost zones show once a drag has begun, so the target is measured then.)"""
    start = source.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 8, start["y"] + 20, steps=4)
    end = target.bounding_box()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=25)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 44, steps=4)
    page.mouse.up()


def test_a_deal_is_dragged_to_the_next_stage(
    page: Any, live_server: Any, login: Any, deals: dict[str, Any]
) -> None:
    from fregues.sales.models import Opportunity, OpportunityChange

    deal = deals["Fornos novos"]
    first, second = deals["stages"][0], deals["stages"][1]
    login("sofia")
    page.goto(f"{live_server.url}/sales/pipeline/")
    page.wait_for_load_state("load")
    card = page.locator(f"#deal-{deal.pk}")
    expect(page.locator(f"#col-{first.pk} .deal-card")).to_have_count(3)
    expect(page.locator(f"#col-{first.pk} [data-count]")).to_have_text("3")

    with page.expect_response(lambda r: f"/opportunities/{deal.pk}/move/" in r.url) as answer:
        drag(page, card.locator(".deal-party"), page.locator(f"#col-{second.pk} .board-cards"))
    assert answer.value.status == 200

    # the server's columns replaced the two touched: counts and the toast say so
    expect(page.locator(f"#col-{second.pk} #deal-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#col-{first.pk} [data-count]")).to_have_text("2")
    expect(page.locator(f"#col-{second.pk} [data-count]")).to_have_text("1")
    expect(page.locator(".toast-success")).to_contain_text("Fornos novos")

    stored = Opportunity.objects.get(pk=deal.pk)
    assert stored.stage_id == second.pk and stored.version == 2
    change = OpportunityChange.objects.filter(opportunity=deal).order_by("-id").first()
    assert change is not None and change.from_stage_id == first.pk
    assert change.actor is not None and change.actor.username == "sofia"

    page.reload()
    expect(page.locator(f"#col-{second.pk} #deal-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#col-{first.pk} #deal-{deal.pk}")).to_have_count(0)


def test_lost_asks_why_and_a_stale_card_goes_back(
    page: Any, live_server: Any, login: Any, deals: dict[str, Any]
) -> None:
    from fregues.sales.models import CloseReason, Opportunity

    lost = deals["Balcão refrigerado"]
    stale = deals["Manutenção anual"]
    first, second = deals["stages"][0], deals["stages"][1]
    login("sofia")
    page.goto(f"{live_server.url}/sales/pipeline/")
    page.wait_for_load_state("load")

    # dropped on Lost: the dialog asks for a reason; cancelling puts the card back
    drag(page, page.locator(f"#deal-{lost.pk} .deal-party"), page.locator(".drop-lost"))
    dialog = page.locator("#lose-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#lose-deal")).to_have_text("Balcão refrigerado")
    dialog.locator("[data-dialog-cancel]").click()
    expect(page.locator(f"#col-{first.pk} #deal-{lost.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=lost.pk).status == "open"

    # again, with a reason this time
    reason = CloseReason.objects.get(kind="lost", name="Concorrente")
    drag(page, page.locator(f"#deal-{lost.pk} .deal-party"), page.locator(".drop-lost"))
    dialog.locator("select[name=close_reason]").select_option(str(reason.pk))
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#deal-{lost.pk}")).to_have_count(0)
    stored = Opportunity.objects.get(pk=lost.pk)
    assert stored.status == "lost" and stored.close_reason == reason

    # someone else moved this deal meanwhile: the drop is refused, the card stays put
    Opportunity.objects.filter(pk=stale.pk).update(version=7, amount=Decimal("3100.00"))
    drag(
        page,
        page.locator(f"#deal-{stale.pk} .deal-party"),
        page.locator(f"#col-{second.pk} .board-cards"),
    )
    expect(page.locator(".toast-error")).to_be_visible()
    expect(page.locator(f"#col-{first.pk} #deal-{stale.pk}")).to_be_visible()
    expect(page.locator(f"#deal-{stale.pk}")).to_have_attribute("data-version", "7")
    assert Opportunity.objects.get(pk=stale.pk).stage_id == first.pk


def test_the_keyboard_moves_a_card_and_rotting_cards_stand_out(
    page: Any, live_server: Any, login: Any, deals: dict[str, Any]
) -> None:
    from fregues.sales.models import Opportunity

    deal = deals["Manutenção anual"]
    third = deals["stages"][2]
    Opportunity.objects.filter(pk=deals["Fornos novos"].pk).update(
        stage_changed_at=timezone.now() - datetime.timedelta(days=30)
    )
    login("sofia")
    page.goto(f"{live_server.url}/sales/pipeline/")
    page.wait_for_load_state("load")
    expect(page.locator(f"#deal-{deals['Fornos novos'].pk}")).to_have_class("deal-card is-rotting")

    select = page.locator(f"#move-{deal.pk}")
    select.focus()
    select.select_option(str(third.pk))
    expect(page.locator(f"#col-{third.pk} #deal-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#move-{deal.pk}")).to_be_focused()
    assert Opportunity.objects.get(pk=deal.pk).stage_id == third.pk


def test_the_board_scrolls_sideways_on_a_phone(
    page: Any, live_server: Any, login: Any, deals: dict[str, Any]
) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    login("sofia")
    page.goto(f"{live_server.url}/sales/pipeline/")
    board = page.locator("#board")
    width = board.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width[0] > width[1]  # the columns go on to the right
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # the page does not

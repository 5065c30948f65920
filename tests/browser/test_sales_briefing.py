"""The salesperson in the browser: the customer page's deals panel, a planned visit in "my
activities", its briefing showing the open case (on a phone and on paper too), and the visit
marked done in its row."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def vera(users: dict[str, Any]) -> Any:
    from fregues.accounts.models import User

    from .conftest import PASSWORD

    return User.objects.create_user(
        username="vera", password=PASSWORD, role="sales", first_name="Vera"
    )


@pytest.fixture
def story(users: dict[str, Any], joao: Any, vera: Any) -> dict[str, Any]:
    """João has an open technical-assistance case, a deal with Vera, and a visit planned."""
    from fregues.parties.services import contact_point_add, note_add
    from fregues.sales.services.activities import activity_create
    from fregues.sales.tests.factories import OpportunityFactory
    from fregues.service.services import case_open

    contact_point_add(
        actor=users["ana"],
        party_id=joao.pk,
        data={"kind": "address", "value": "Rua Augusta, 100, São Paulo"},
    )
    case = case_open(
        actor=users["beto"],
        party_id=joao.pk,
        case_type="technical-assistance",
        subject="Geladeira não gela",
        notify=False,
    ).case
    deal = OpportunityFactory(party=joao, title="Linha branca 2027", owner=vera)
    note_add(actor=vera, party_id=joao.pk, body="Só recebe depois das 14h.", before_visit=True)
    when = timezone.localtime(timezone.now() + datetime.timedelta(hours=3))
    visit = activity_create(
        actor=vera,
        data={
            "kind": "visit",
            "subject": "Visita de rotina",
            "party_id": joao.pk,
            "due_at": when.replace(tzinfo=None).isoformat(timespec="minutes"),
        },
    )
    return {"case": case, "deal": deal, "visit": visit}


def test_the_briefing_of_a_planned_visit_shows_the_open_case(
    page: Any, live_server: Any, login: Any, joao: Any, story: dict[str, Any]
) -> None:
    case, visit = story["case"], story["visit"]
    login("vera")

    # the customer page: the deals panel with the deal and the way to plan a visit
    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    panel = page.locator("#sales-deals")
    expect(panel).to_contain_text("Linha branca 2027")
    expect(panel.locator("#plan-visit")).to_be_visible()
    expect(panel).to_contain_text("Visita de rotina")

    # my activities: the visit today (or tomorrow), with its briefing
    page.goto(f"{live_server.url}/sales/activities/")
    row = page.locator(f"#activity-{visit.pk}")
    expect(row).to_contain_text("Visita de rotina")
    row.locator("a.act-briefing").click()
    page.wait_for_url(f"**/sales/activities/{visit.pk}/briefing/")

    # the briefing: the visit's time and place on top, the note to read, the open case
    expect(page.locator("#brief-visit")).to_contain_text("Rua Augusta, 100, São Paulo")
    expect(page.locator("#brief-read-first")).to_contain_text("Só recebe depois das 14h.")
    cases = page.locator("#brief-cases")
    expect(cases).to_contain_text(case.protocol)
    expect(cases).to_contain_text("Geladeira não gela")
    expect(cases.locator(".badge.sla")).to_be_visible()
    expect(page.locator("#report-problem")).to_have_attribute(
        "href", f"/cases/new/?party={joao.pk}&channel=visit"
    )

    # on paper: no navigation, no buttons, the case still there
    page.emulate_media(media="print")
    expect(page.locator(".sales-nav")).to_be_hidden()
    expect(page.locator("#report-problem")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(cases).to_contain_text(case.protocol)
    page.emulate_media(media="screen")

    # on a phone: one column, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#brief-cases")).to_contain_text(case.protocol)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1


def test_the_visit_is_marked_done_in_its_row(
    page: Any, live_server: Any, login: Any, joao: Any, story: dict[str, Any]
) -> None:
    from fregues.interactions.models import Interaction
    from fregues.sales.models import Activity

    visit = story["visit"]
    Activity.objects.filter(pk=visit.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    login("vera")
    page.goto(f"{live_server.url}/sales/activities/")
    row = page.locator(f"#activity-{visit.pk}")
    expect(row).to_have_attribute("data-status", "planned")
    row.locator("summary.act-done-toggle").click()
    row.locator("input[name=outcome]").fill("Cliente ciente do chamado")
    row.locator("button.act-done-submit").click()
    expect(page.locator(f"#activity-{visit.pk}")).to_have_attribute("data-status", "done")
    expect(page.locator("#messages .toast")).to_be_visible()
    contact = Interaction.objects.get(party=joao, regarding_type="sales.activity")
    assert (contact.channel, contact.direction) == ("visit", "out")

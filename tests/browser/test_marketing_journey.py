"""Issue 9's done-when, in one browser journey: the marketer builds a segment in the rule
builder, writes a campaign to it and sends it; the customer with an open technical-assistance
case is skipped with the reason "open complaint" (seed 000, case A, P6), the one who withdrew
consent gets nothing, and the report says why for both."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def clients(users: dict[str, Any], settings: Any) -> list[Any]:
    """Ana (consent), Bruno (consent, an open case), Carla (withdrew): all three clients."""
    from fregues.accounts.models import User
    from fregues.parties.models import Party
    from fregues.parties.services import consent_record, party_create
    from fregues.service.services import case_open

    from .conftest import PASSWORD

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.create_user(
        username="mara", password=PASSWORD, role="marketing", first_name="Mara",
        email="mara@empresa.com.br",
    )  # fmt: skip
    people = []
    for given in ("Ana", "Bruno", "Carla"):
        party = party_create(
            actor=users["ana"],
            data={
                "kind": "person",
                "given_name": given,
                "family_name": "Lima",
                "language": "pt-br",
            },
            contact_points=[{"kind": "email", "value": f"{given.lower()}@exemplo.com.br"}],
        )
        consent_record(
            actor=None, party_id=party.pk, purpose="marketing_email", granted=True, source="form"
        )
        people.append(party)
    Party.objects.filter(pk__in=[p.pk for p in people]).update(lifecycle_stage="client")
    consent_record(
        actor=None, party_id=people[2].pk, purpose="marketing_email", granted=False, source="email"
    )
    case_open(
        actor=users["beto"], party_id=people[1].pk, case_type="technical-assistance",
        subject="Geladeira não gela", force_new=True, notify=False,
    )  # fmt: skip
    return people


def test_build_a_segment_then_send_a_campaign_to_it(
    page: Any, live_server: Any, login: Any, clients: list[Any]
) -> None:
    from django.core import mail
    from django.utils import translation

    from fregues.marketing.models import Segment
    from fregues.service.services.sending import reason_label

    login("mara")
    page.goto(f"{live_server.url}/marketing/segments/")
    page.click("#new-segment")
    page.wait_for_url("**/marketing/segments/new/")
    page.fill("#segment-name", "Clientes")
    page.select_option("select[name='value.0.0']", ["client"])
    expect(page.locator("#count-number")).to_have_attribute("data-count", "3")
    page.click("#save-segment")
    page.wait_for_url("**/marketing/segments/*/")
    segment = Segment.objects.get(name="Clientes")

    page.goto(f"{live_server.url}/marketing/")
    page.click("#new-campaign")
    page.fill("#c-name", "Linha branca")
    page.select_option("#c-segment", str(segment.pk))
    page.fill("#subject-pt-br", "{{ first_name }}, chegaram as novidades")
    page.fill("#body-pt-br", "Olá {{ first_name }}, veja a linha branca nova.")
    page.click("#create-campaign")
    expect(page.locator("#campaign-name")).to_have_text("Linha branca")

    page.click("#plan-send")
    with translation.override("pt-br"):
        open_complaint = reason_label("open_complaint")
        withdrawn = reason_label("consent_withdrawn")
    expect(page.locator("#skipped-by-reason")).to_contain_text(open_complaint)
    expect(page.locator("#skipped-by-reason")).to_contain_text(withdrawn)
    page.click("#confirm-send")

    expect(page.locator("#kpi-sent")).to_have_text("1")
    expect(page.locator("#kpi-skipped")).to_have_text("2")
    expect(page.locator("#skipped-by-reason")).to_contain_text(open_complaint)
    expect(page.locator("#skipped-by-reason")).to_contain_text(withdrawn)
    assert [m.to for m in mail.outbox] == [["ana@exemplo.com.br"]]
    assert mail.outbox[0].subject == "Ana, chegaram as novidades"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers

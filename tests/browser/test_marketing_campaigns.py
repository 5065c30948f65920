"""Campaigns in the browser: the marketer writes a campaign for a segment, sees the preview,
reviews who gets it and who is skipped, sends it and reads the report — the customer with an
open complaint is skipped and the report says so (Case A P6)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def audience(users, settings):
    """Ana (consent) and Bruno (consent, an open technical-assistance case), in a segment."""
    from fregues.accounts.models import User
    from fregues.marketing.models import Segment
    from fregues.parties.services import consent_record, party_create
    from fregues.service.services import case_open

    from .conftest import PASSWORD

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.create_user(
        username="mara", password=PASSWORD, role="marketing", first_name="Mara",
        email="mara@empresa.com.br",
    )  # fmt: skip
    people = []
    for given, email in (("Ana", "ana@exemplo.com.br"), ("Bruno", "bruno@exemplo.com.br")):
        party = party_create(
            actor=users["ana"],
            data={
                "kind": "person",
                "given_name": given,
                "family_name": "Souza",
                "language": "pt-br",
            },
            contact_points=[{"kind": "email", "value": email}],
        )
        consent_record(
            actor=None, party_id=party.pk, purpose="marketing_email", granted=True, source="form"
        )
        people.append(party)
    case_open(
        actor=users["beto"], party_id=people[1].pk, case_type="technical-assistance",
        subject="Geladeira não gela", force_new=True, notify=False,
    )  # fmt: skip
    return Segment.objects.create(
        name="Clientes de teste", rules={"party_ids": [p.pk for p in people]}
    )


def test_the_marketer_sends_a_campaign_and_the_report_says_who_was_skipped_and_why(
    page, live_server, login, audience
):
    from django.core import mail
    from django.utils import translation

    from fregues.marketing.models import Campaign
    from fregues.service.services.sending import reason_label

    login("mara")
    page.goto(f"{live_server.url}/marketing/")
    page.click("#new-campaign")
    page.fill("#c-name", "Ofertas de verão")
    page.select_option("#c-segment", str(audience.pk))
    page.fill("#subject-pt-br", "Novidades para você, {{ first_name }}")
    page.fill("#body-pt-br", "Olá {{ first_name }}, veja as ofertas.")
    page.click("#create-campaign")
    expect(page.locator("#campaign-name")).to_have_text("Ofertas de verão")
    expect(page.locator("#preview")).to_contain_text("Olá Ana, veja as ofertas.")

    page.click("#plan-send")
    expect(page.locator("#planned-counts")).to_contain_text("2")
    with translation.override("pt-br"):
        open_complaint = reason_label("open_complaint")
    expect(page.locator("#skipped-by-reason")).to_contain_text(open_complaint)
    page.click("#confirm-send")

    expect(page.locator("#kpi-sent")).to_have_text("1")
    expect(page.locator("#kpi-skipped")).to_have_text("1")
    expect(page.locator("#skipped-by-reason")).to_contain_text(open_complaint)
    expect(page.locator("#recipients-table")).to_contain_text("Bruno")
    assert Campaign.objects.get().status == "sent"
    assert [m.to for m in mail.outbox] == [["ana@exemplo.com.br"]]
    assert mail.outbox[0].subject == "Novidades para você, Ana"

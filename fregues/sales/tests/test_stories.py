"""Seed 000, Case A, replayed with the visit briefing.

Without an integrated CRM: a customer asks for technical assistance; it is passed to a partner
technician; a salesperson, unaware of it, pays a routine visit; the customer complains; the
salesperson files the same request again and it is processed a second time.

With Freguês: the salesperson's briefing shows the open case and its SLA state before the
visit; the complaint filed from the briefing joins the open case (counted as an avoidable
contact), and the visit, once done, is on the customer's timeline for every department.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Activity
from fregues.sales.selectors.briefing import party_briefing
from fregues.sales.services.activities import activity_reminders_send
from fregues.service.models import AvoidableContact, Case, CaseEvent
from fregues.service.services import case_open, case_transition, work_order_send
from fregues.service.tests.factories_cases import PartnerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://fregues.example"
    settings.NOTICE_SENDERS = {"email": "fregues.service.notify.EmailSender"}


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def report_link(page: str) -> str:
    match = re.search(r'<a class="[^"]*" href="([^"]+)" id="report-problem">', page)
    assert match, "the briefing offers to report a problem"
    return match.group(1).replace("&amp;", "&")


def test_case_a_the_briefing_shows_the_open_case_and_the_complaint_joins_it(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agent = make_user("agent")
    seller = make_user("sales", first_name="Vera", email="vera@empresa.com.br")
    partner = PartnerFactory(email="ordens@tecnicos-unidos.com.br")
    customer = PartyFactory(
        given_name="Carlos", family_name="Pereira", name="Carlos Pereira", preferred_channel="email"
    )
    ContactPointFactory(party=customer, kind="email", value="carlos@exemplo.com.br")
    ContactPointFactory(party=customer, kind="address", value="Rua do Comércio, 45, Campinas")
    called = timezone.now() - 3 * DAY

    # 1. The customer asks for technical assistance: one case, passed to a partner technician.
    with django_capture_on_commit_callbacks(execute=True):
        case = case_open(
            actor=agent,
            party_id=customer.pk,
            case_type="technical-assistance",
            subject="Máquina de lavar não liga",
            channel="phone",
            now=called,
        ).case
    case_transition(actor=agent, protocol=case.protocol, to_status="triaged", now=called)
    with django_capture_on_commit_callbacks(execute=True):
        work_order_send(
            actor=agent,
            protocol=case.protocol,
            partner_id=partner.pk,
            transition_to="dispatched",
            now=called + datetime.timedelta(hours=1),
        )
    assert any(m.to == [partner.email] for m in mail.outbox)

    # 2. A salesperson plans a routine visit, unaware of it.
    sales = browser(seller)
    form = sales.get(f"/sales/activities/new/?party={customer.pk}&kind=visit")
    assert form.status_code == 200
    soon = timezone.localtime(timezone.now() + datetime.timedelta(minutes=30))
    planned = sales.post(
        "/sales/activities/new/",
        {
            "kind": "visit",
            "subject": "Visita de rotina",
            "party": customer.pk,
            "due_date": soon.date().isoformat(),
            "due_time": soon.strftime("%H:%M"),
            "duration_minutes": "45",
            "remind": "60",
            "owner": seller.pk,
        },
    )
    assert planned.status_code == 302
    visit = Activity.objects.get(party=customer, kind="visit")
    assert visit.location == "Rua do Comércio, 45, Campinas"

    # ... and is reminded of it by e-mail, with the briefing's address.
    assert activity_reminders_send() == 1 and activity_reminders_send() == 0
    reminder = mail.outbox[-1]
    assert reminder.to == ["vera@empresa.com.br"] and "Carlos Pereira" in reminder.body
    briefing_path = urlsplit(re.search(r"https://\S+", reminder.body).group(0)).path
    assert briefing_path == f"/sales/activities/{visit.pk}/briefing/"

    # 3. The briefing shows the open case and its SLA state before the visit.
    found = party_briefing(actor=seller, party_id=customer.pk, visit=visit)
    (open_case,) = found.cases
    assert open_case.case.protocol == case.protocol and open_case.sla_state in {"ok", "warning"}
    page = sales.get(briefing_path).content.decode()
    assert case.protocol in page and f'data-sla="{open_case.sla_state}"' in page
    assert "Dispatched to partner" in page  # the headline: where the request stands
    assert 'id="brief-visit"' in page and "Rua do Comércio, 45, Campinas" in page

    # 4. The customer complains during the visit; the salesperson reports it from the briefing.
    case_form = sales.get(report_link(page))
    assert case_form.status_code == 200
    assert '<option value="visit" selected>' in case_form.content.decode()
    filed = sales.post(
        f"/cases/new/?party={customer.pk}",
        {
            "party": customer.pk,
            "case_type": "technical-assistance",
            "priority": "normal",
            "channel": "visit",
            "subject": "Máquina de lavar ainda não liga",
            "description": "Cliente reclamou durante a visita de rotina.",
        },
    )
    # ... and it joins the open case: processed once.
    assert filed.status_code == 302 and filed["Location"] == f"/cases/{case.protocol}/?joined=1"
    assert Case.objects.filter(party=customer).count() == 1
    report = Interaction.objects.filter(
        regarding_type="service.case", regarding_id=case.pk, direction="in"
    ).latest("id")
    assert (report.channel, report.agent) == ("visit", seller)
    avoidable = AvoidableContact.objects.get(interaction=report)
    assert (avoidable.case_id, avoidable.reason) == (case.pk, "repeat_report")
    assert CaseEvent.objects.filter(case=case, kind="report_joined").count() == 1

    # 5. The visit, done, lands on the customer's timeline for every department.
    Activity.objects.filter(pk=visit.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    done = sales.post(
        f"/sales/activities/{visit.pk}/complete/",
        {"outcome": "Cliente ciente do chamado", "notes": "Expliquei a visita do técnico."},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and 'data-status="done"' in done.content.decode()
    visit.refresh_from_db()
    on_timeline = Interaction.objects.get(pk=visit.interaction_id)
    assert (on_timeline.channel, on_timeline.direction, on_timeline.agent) == (
        "visit",
        "out",
        seller,
    )
    assert (on_timeline.regarding_type, on_timeline.regarding_id) == ("sales.activity", visit.pk)
    customer_page = browser(agent).get(f"/customers/{customer.pk}/").content.decode()
    assert "Visita de rotina" in customer_page
    after = party_briefing(actor=seller, party_id=customer.pk)
    assert after.contacts[0].pk == on_timeline.pk

"""The two stories of seed 000, end to end, as they must go with Freguês.

Case A — a customer asks for technical assistance; it is passed to a partner technician; a
salesperson on a routine visit sees the open case, and the complaint he files joins it
instead of being processed a second time.

Case B — a citizen requests a licence; it goes through its regulatory circuit and the
citizen is told of each step on the channel they prefer, in their language, and can follow
it on the tracking page; when they call anyway the agent has the answer at once and the call
is counted as an avoidable contact.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.service.models import AvoidableContact, Case, CaseEvent
from fregues.service.selectors.cases import (
    case_get,
    case_headline,
    case_timeline,
    open_cases_for_party,
)
from fregues.service.selectors.reports import avoidable_contacts_weekly
from fregues.service.services import (
    case_attach_interaction,
    case_open,
    case_transition,
    work_order_send,
)

from .conftest import deliver_outbox, greeting, make_customer
from .test_notices import SENDERS, RecordingSender

pytestmark = pytest.mark.django_db

PARTNER_LINK = re.compile(r"https://fregues\.example/partner/work-orders/(\S+)")
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://fregues.example"
    settings.NOTICE_SENDERS = SENDERS
    RecordingSender.sent = []


def regarding(case: Case, direction: str) -> list[Interaction]:
    return list(
        Interaction.objects.filter(
            regarding_type="service.case", regarding_id=case.pk, direction=direction
        ).order_by("occurred_at", "id")
    )


# --- Case A ------------------------------------------------------------------------------


def test_case_a_the_salespersons_report_joins_the_open_case(
    agent: Any,
    salesperson: Any,
    partner: Any,
    api_for: Callable,
    anonymous_api: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = make_customer(given="Carlos", family="Pereira", email="carlos@exemplo.com.br")
    called = timezone.now() - 3 * DAY - datetime.timedelta(hours=2)

    # 1. The customer calls for technical assistance: one case, one protocol, a receipt.
    with django_capture_on_commit_callbacks(execute=True):
        opened = case_open(
            actor=agent,
            party_id=customer.pk,
            case_type="technical-assistance",
            subject="Máquina de lavar não liga",
            channel="phone",
            description="Parou de funcionar no meio da lavagem.",
            now=called,
        )
    case = opened.case
    assert opened.created and re.fullmatch(r"\d{4}-\d{6}", case.protocol)
    (receipt,) = mail.outbox
    assert receipt.to == ["carlos@exemplo.com.br"] and case.protocol in receipt.subject

    # 2. Triaged, then dispatched to a partner technician with a work order by e-mail.
    case_transition(
        actor=agent,
        protocol=case.protocol,
        to_status="triaged",
        now=called + datetime.timedelta(minutes=20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = work_order_send(
            actor=agent,
            protocol=case.protocol,
            partner_id=partner.pk,
            instructions="Verificar motor e placa.",
            transition_to="dispatched",
            now=called + datetime.timedelta(hours=1),
        )
    to_partner = [m for m in mail.outbox if m.to == [partner.email]]
    assert len(to_partner) == 1
    token = PARTNER_LINK.search(to_partner[0].body).group(1)

    # 3. The partner updates the work order through the link, without an account.
    seen = anonymous_api.get(f"/partner/work-orders/{token}")
    assert seen.status_code == 200 and seen.json()["case_protocol"] == case.protocol
    update = anonymous_api.post(
        f"/partner/work-orders/{token}",
        {"status": "accepted", "notes": "Peça encomendada; visita sexta."},
    )
    assert update.status_code == 200
    timeline = case_timeline(actor=agent, protocol=case.protocol)
    partner_updates = [i for i in timeline if i.kind == "event:partner_update"]
    assert len(partner_updates) == 1
    assert "Peça encomendada; visita sexta." in partner_updates[0].summary
    assert partner_updates[0].data["work_order_id"] == order.pk

    # 4. Three days later a salesperson visits: the customer page shows the open case.
    shown = open_cases_for_party(actor=salesperson, party_id=customer.pk)
    assert [c.protocol for c in shown] == [case.protocol]
    with translation.override("en"):
        headline = case_headline(shown[0])
    assert headline == f"{case.protocol} — Dispatched to partner 3 days ago"
    assert "Enviado ao parceiro" in case_headline(shown[0])  # in pt-BR, the default

    # 5. The customer complains; the salesperson files the same request again: it joins.
    sales_api = api_for(salesperson)
    response = sales_api.post(
        "/cases",
        {
            "party_id": customer.pk,
            "case_type": "technical-assistance",
            "channel": "visit",
            "subject": "Máquina de lavar não liga, cliente reclamou na visita",
        },
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["joined"] is True and body["protocol"] == case.protocol
    assert body["message"] == (
        f"This customer already has case {case.protocol} — "
        "Dispatched to partner 3 days ago. The report was added to it."
    )
    assert Case.objects.filter(party=customer).count() == 1  # processed once
    report = regarding(case, "in")[-1]
    assert (report.channel, report.agent) == ("visit", salesperson)
    avoidable = AvoidableContact.objects.get(interaction=report)
    assert (avoidable.case_id, avoidable.reason) == (case.pk, "repeat_report")
    assert CaseEvent.objects.filter(case=case, kind="report_joined").count() == 1
    # ... and everybody sees it on the case: the first call, the visit, the partner's note.
    kinds = [i.kind for i in case_timeline(actor=salesperson, protocol=case.protocol)]
    assert kinds.count("interaction") >= 3  # the call, the receipt, the visit (+ notices)
    assert "event:report_joined" in kinds and "event:partner_dispatch" in kinds


# --- Case B ------------------------------------------------------------------------------


CIRCUIT = [
    "document_check",
    "waiting_customer",
    "document_check",
    "technical_review",
    "legal_review",
    "decision",
    "issued",
]


@pytest.mark.parametrize(
    ("language", "preferred", "labels"),
    [
        (
            "pt-br",
            "email",
            [
                "Verificação documental",
                "Aguardando documentos",
                "Verificação documental",
                "Análise técnica",
                "Análise jurídica",
                "Decisão",
                "Licença emitida",
            ],
        ),
        (
            "en",
            "sms",
            [
                "Document check",
                "Waiting for documents",
                "Document check",
                "Technical review",
                "Legal review",
                "Decision",
                "Issued",
            ],
        ),
    ],
)
def test_case_b_the_citizen_is_told_each_step_and_the_status_call_is_avoidable(
    agent: Any,
    quality_manager: Any,
    api: Any,
    anonymous_api: Any,
    django_capture_on_commit_callbacks: Any,
    language: str,
    preferred: str,
    labels: list[str],
) -> None:
    citizen = make_customer(
        given="Marta",
        family="Ribeiro",
        language=language,
        preferred_channel=preferred,
        email="marta.ribeiro@exemplo.com.br",
        phone="+5561987654321",
    )

    def outbox() -> list[dict[str, str]]:
        """What reached the citizen, on the channel she prefers."""
        if preferred == "email":
            return [{"to": m.to[0], "subject": m.subject, "body": m.body} for m in mail.outbox]
        return RecordingSender.sent

    # 1. The licence request arrives by web form: protocol and tracking code in the receipt.
    submitted = timezone.now() - 10 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        case = case_open(
            actor=None,
            party_id=citizen.pk,
            case_type="licence-request",
            subject="Licença de obras — ampliação da garagem",
            channel="web_form",
            now=submitted,
        ).case
    (receipt,) = outbox()
    assert receipt["to"] == (
        "marta.ribeiro@exemplo.com.br" if preferred == "email" else "+5561987654321"
    )
    assert case.protocol in receipt["body"] and case.tracking_code in receipt["body"]
    assert f"https://fregues.example/track/{case.protocol}" in receipt["body"]
    if preferred == "sms":
        assert mail.outbox == []

    # 2. The circuit: every step is a notice in her language, on her channel.
    for step, status in enumerate(CIRCUIT[:-1], start=1):
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(
                actor=agent, protocol=case.protocol, to_status=status, now=submitted + step * DAY
            )
        notice = outbox()[-1]
        assert len(outbox()) == step + 1
        assert labels[step - 1] in notice["subject"] and labels[step - 1] in notice["body"]
        assert notice["body"].startswith(greeting(language, "Marta"))
    sent = regarding(case, "out")
    assert len(sent) == len(CIRCUIT)  # the receipt and six steps, each an outbound contact
    assert {(i.channel, i.direction) for i in sent} == {(preferred, "out")}

    # 3. She follows it on the tracking page: her first name and the statuses, nothing else.
    track = anonymous_api.get(
        f"/track/{case.protocol}", {"code": case.tracking_code, "lang": language}
    )
    assert track.status_code == 200, track.json()
    page = track.json()
    assert page["first_name"] == "Marta"
    assert page["status"] == labels[5]
    assert [h.get("status") for h in page["history"]][1:] == labels[:6]
    for private in ("Ribeiro", "marta.ribeiro", "987654321", "garagem"):
        assert private not in str(page)
    wrong = anonymous_api.get(f"/track/{case.protocol}", {"code": "ABCDEFGH"})
    unknown = anonymous_api.get("/track/1999-000001", {"code": case.tracking_code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()

    # 4. She calls anyway: the agent finds her open request and its status at once...
    listed = api.get("/cases", {"party_id": citizen.pk, "open": "true"}).json()["items"]
    assert [(c["protocol"], c["status"]["code"]) for c in listed] == [(case.protocol, "decision")]
    # ... and the call, right after a look at the tracking page, is counted as avoidable.
    call = interaction_record(
        actor=agent,
        party_id=citizen.pk,
        data={"channel": "phone", "direction": "in", "subject": "Estado do pedido"},
    ).interaction
    deliver_outbox()  # what the worker does once the call is committed
    inferred = AvoidableContact.objects.get(interaction=call)
    assert (inferred.case_id, inferred.reason) == (case.pk, "after_tracking_visit")
    # An earlier call, before any visit, the agent ticks as a status inquiry.
    earlier = interaction_record(
        actor=agent,
        party_id=citizen.pk,
        data={
            "channel": "phone",
            "direction": "in",
            "subject": "Estado do pedido",
            "occurred_at": timezone.now() - 3 * DAY,
        },
    ).interaction
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=earlier.pk, status_inquiry=True
    )
    ticked = AvoidableContact.objects.get(interaction=earlier)
    assert ticked.reason == "status_inquiry"

    # 5. The decision is issued; the weekly report counts the avoidable contacts.
    with django_capture_on_commit_callbacks(execute=True):
        final = case_transition(actor=agent, protocol=case.protocol, to_status=CIRCUIT[-1])
    assert not final.is_open
    assert labels[-1] in outbox()[-1]["body"]
    rows = avoidable_contacts_weekly(actor=quality_manager)
    counted: dict[str, int] = {}
    for row in rows:
        assert row["case_type"] == "Pedido de licença"
        counted[row["reason"]] = counted.get(row["reason"], 0) + row["contacts"]
    assert counted == {"after_tracking_visit": 1, "status_inquiry": 1}
    assert case_get(actor=agent, protocol=case.protocol).status.code == "issued"

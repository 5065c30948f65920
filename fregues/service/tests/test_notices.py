"""Proactive notices: each notifying step tells the customer on their preferred channel, in
their language, once, and the notice is an outbound interaction regarding the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.core import mail

from fregues.interactions.models import Interaction
from fregues.parties.models import Party
from fregues.service.models import Case, CaseEvent, CircuitStatus
from fregues.service.services import case_notify, case_open, case_transition
from fregues.service.services.notices import notice_route
from fregues.service.tasks import case_notify as notify_task

from .conftest import greeting, make_customer

pytestmark = pytest.mark.django_db

SENDERS = {
    "email": "fregues.service.notify.EmailSender",
    "sms": "fregues.service.tests.test_notices.RecordingSender",
    "whatsapp": "fregues.service.tests.test_notices.RecordingSender",
}


class RecordingSender:
    """An SMS/WhatsApp provider for tests: keeps what it was asked to send."""

    sent: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, subject: str, body: str) -> str:
        self.sent.append({"to": to, "subject": subject, "body": body})
        return f"test-{len(self.sent)}"


@pytest.fixture(autouse=True)
def _senders(settings: Any) -> None:
    settings.NOTICE_SENDERS = SENDERS
    settings.PUBLIC_BASE_URL = "https://fregues.example"
    RecordingSender.sent = []


def notices(case: Case) -> list[Interaction]:
    return list(
        Interaction.objects.filter(
            regarding_type="service.case", regarding_id=case.pk, direction="out"
        ).order_by("id")
    )


def open_notified(agent: Any, party: Party, captured: Any, **kwargs: Any) -> Case:
    kwargs.setdefault("case_type", "technical-assistance")
    kwargs.setdefault("subject", "Máquina de lavar não liga")
    with captured(execute=True):
        return case_open(actor=agent, party_id=party.pk, **kwargs).case


def test_the_receipt_gives_protocol_and_tracking_code_by_email(
    agent: Any, customer: Party, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_notified(agent, customer, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.souza@exemplo.com.br"]
    assert case.protocol in message.subject
    assert message.body.startswith(greeting("pt-br", "Ana"))  # her language
    assert case.tracking_code in message.body
    assert f"https://fregues.example/track/{case.protocol}" in message.body
    (notice,) = notices(case)
    assert (notice.channel, notice.direction, notice.agent) == ("email", "out", None)
    assert notice.subject == message.subject and notice.body == message.body
    assert notice.channel_address == "ana.souza@exemplo.com.br"
    assert notice.party_id == customer.pk
    sent = CaseEvent.objects.get(case=case, kind="notice_sent")
    assert sent.data["interaction_id"] == notice.pk and sent.data["kind"] == "opened"


def test_a_step_is_notified_once(
    agent: Any, customer: Party, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_notified(agent, customer, django_capture_on_commit_callbacks)
    assert case_notify(case_id=case.pk, kind="opened") is None
    assert case_notify(case_id=case.pk, kind="opened") is None
    assert len(mail.outbox) == 1 and len(notices(case)) == 1


def test_only_notifying_transitions_send_notices(
    agent: Any, customer: Party, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_notified(agent, customer, django_capture_on_commit_callbacks, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=agent, protocol=case.protocol, to_status="triaged")
    assert mail.outbox == []  # triage is internal
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            actor=agent,
            protocol=case.protocol,
            to_status="in_progress",
            comment="O técnico vai amanhã.",
        )
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    in_progress = CircuitStatus.objects.get(
        circuit__code="technical-assistance", code="in_progress"
    )
    assert in_progress.name in body
    assert in_progress.public_description in body  # what the customer is told
    assert "O técnico vai amanhã." in body


@pytest.mark.parametrize(
    ("language", "status", "foreign"),
    [
        ("pt-br", "Verificação documental", "Document check"),
        ("en", "Document check", "Verificação documental"),
    ],
)
def test_the_notice_is_in_the_customers_language(
    agent: Any,
    django_capture_on_commit_callbacks: Any,
    language: str,
    status: str,
    foreign: str,
) -> None:
    citizen = make_customer(given="Marta", language=language, email="marta@exemplo.pt")
    case = open_notified(
        agent,
        citizen,
        django_capture_on_commit_callbacks,
        case_type="licence-request",
        subject="Licença de obras",
        notify=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=agent, protocol=case.protocol, to_status="document_check")

    (message,) = mail.outbox
    assert message.subject.endswith(f"{case.protocol}: {status}")
    assert message.body.startswith(greeting(language, "Marta"))
    assert status in message.body
    assert foreign not in message.body
    check = CircuitStatus.objects.get(circuit__code="licence-request", code="document_check")
    told = {"pt-br": check.public_description, "en": check.public_description_en}
    assert told[language] in message.body  # what the customer is told of the step
    assert all(text not in message.body for lang, text in told.items() if lang != language)


def test_sms_goes_through_the_configured_sender(
    agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    citizen = make_customer(preferred_channel="sms", language="en")
    case = open_notified(agent, citizen, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    (sms,) = RecordingSender.sent
    assert sms["to"] == "+5511987654321"
    assert case.protocol in sms["body"] and case.tracking_code in sms["body"]
    (notice,) = notices(case)
    assert (notice.channel, notice.network, notice.direction) == ("sms", "", "out")
    assert notice.channel_address == "+5511987654321"
    event = CaseEvent.objects.get(case=case, kind="notice_sent")
    assert event.data["message_id"] == "test-1"


def test_whatsapp_goes_through_the_configured_sender(
    agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    citizen = make_customer(preferred_channel="whatsapp")
    case = open_notified(agent, citizen, django_capture_on_commit_callbacks)
    assert RecordingSender.sent[0]["to"] == "+5511987654321"
    (notice,) = notices(case)
    assert (notice.channel, notice.network) == ("social", "whatsapp")


def test_without_a_provider_sms_is_recorded_undelivered(
    agent: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTICE_SENDERS = {"email": SENDERS["email"]}
    citizen = make_customer(preferred_channel="sms")
    case = open_notified(agent, citizen, django_capture_on_commit_callbacks)
    event = CaseEvent.objects.get(case=case, kind="notice_sent")
    assert event.data["message_id"].startswith("undelivered-")
    assert len(notices(case)) == 1


def test_a_missing_preferred_address_falls_back_to_email_then_sms(db: None) -> None:
    no_phone = make_customer(preferred_channel="sms", phone=None)
    assert notice_route(no_phone)[:2] == ("email", "email")
    no_email = make_customer(preferred_channel="email", email=None, phone="+5521987654321")
    assert notice_route(no_email) == ("sms", "sms", "", "+5521987654321")
    letter = make_customer(preferred_channel="letter", email="carta@exemplo.com.br", phone=None)
    assert notice_route(letter)[3] == "carta@exemplo.com.br"


def test_a_channel_the_customer_objected_to_is_skipped(agent: Any) -> None:
    from fregues.parties.services import consent_record

    customer = make_customer(preferred_channel="sms", phone="+5521987650000")
    assert notice_route(customer)[0] == "sms"
    consent_record(
        actor=agent,
        party_id=customer.pk,
        purpose="service_notices",
        channel="sms",
        granted=False,
        source="agent",
    )
    assert notice_route(customer)[0] == "email"
    consent_record(
        actor=agent, party_id=customer.pk, purpose="service_notices", granted=False, source="agent"
    )
    assert notice_route(customer) is None


def test_a_customer_without_any_address_is_not_notified(
    agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hermit = make_customer(email=None, phone=None)
    case = open_notified(agent, hermit, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and notices(case) == []
    event = CaseEvent.objects.get(case=case, kind="notice_sent")
    assert event.data["delivered"] is False


def test_the_closing_notice_carries_the_satisfaction_link(
    agent: Any,
    customer: Party,
    open_case: Callable,
    move: Callable,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    move(case, "triaged", "in_progress", "resolved")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        move(case, "closed")
    (message,) = mail.outbox
    assert "https://fregues.example/csat/" in message.body


def test_the_task_sends_the_notice(agent: Any, customer: Party, open_case: Callable) -> None:
    case = open_case()
    result = notify_task.enqueue(case.pk, "opened", 0)
    assert result.return_value == notices(case)[0].pk
    assert len(mail.outbox) == 1

"""Helpers of the campaign tests: a real SMTP server (aiosmtpd) in a thread, customers with
consent, a segment of given customers, a campaign with texts in three languages.

Import the fixtures into a test module (``from .campaign_support import smtp``)."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage as Parsed
from email.policy import default as default_policy
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller

from fregues.marketing.models import Campaign, Segment
from fregues.marketing.services.campaigns import campaign_create
from fregues.parties.models import Party
from fregues.parties.services import consent_record
from fregues.service.tests.conftest import customer, make_customer, open_case  # noqa: F401

TEXTS = [
    {
        "language": "pt-br",
        "subject": "Novidades para você, {{ first_name }}",
        "body": "Olá {{ first_name }}, veja {{ preferred_product|default:'as ofertas' }} em "
        "https://loja.exemplo.com.br/ofertas.\nSair: {{ unsubscribe_url }}",
    },
    {
        "language": "pt-pt",
        "subject": "Novidades para si, {{ first_name }}",
        "body": "Olá {{ first_name }}, veja as ofertas em https://loja.exemplo.pt/ofertas.",
    },
    {
        "language": "en",
        "subject": "News for you, {{ first_name }}",
        "body": "Hello {{ first_name }}, see https://shop.example.com/deals.",
    },
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted"

    @property
    def messages(self) -> list[Parsed]:
        return [
            email.message_from_bytes(raw, policy=default_policy)  # type: ignore[misc]
            for _to, raw in self.received
        ]

    def to(self, address: str) -> list[Parsed]:
        return [m for m in self.messages if address in str(m["To"])]


def start_smtp() -> tuple[Controller, Sink, int]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink, port


@pytest.fixture
def smtp(settings: Any) -> Iterator[Sink]:
    """A real SMTP server for the test; Django's SMTP backend points at it."""
    controller, sink, port = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


def consenting(given: str, email_address: str, language: str = "pt-br", **kw: Any) -> Party:
    """A customer who granted marketing e-mail."""
    kw.setdefault("phone", None)
    party = make_customer(given=given, email=email_address, language=language, **kw)
    consent_record(
        actor=None, party_id=party.pk, purpose="marketing_email", granted=True, source="form"
    )
    return party


def segment_of(*parties: Party, name: str = "Clientes") -> Segment:
    """A segment of exactly these customers (the planning's fallback rules)."""
    return Segment.objects.create(name=name, rules={"party_ids": [p.pk for p in parties]})


def new_campaign(actor: Any, segment: Segment, **data: Any) -> Campaign:
    body = {
        "name": "Ofertas de verão",
        "channel": "email",
        "segment_id": segment.pk,
        "default_language": "pt-br",
        "messages": TEXTS,
        **data,
    }
    return campaign_create(actor=actor, data=body)


class RecordingSms:
    """An SMS provider for tests: keeps what it was asked to send."""

    sent: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, subject: str, body: str) -> str:
        self.sent.append({"to": to, "subject": subject, "body": body})
        return f"sms-{len(self.sent)}"


@pytest.fixture
def sms(settings: Any) -> Iterator[type[RecordingSms]]:
    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "sms": "fregues.marketing.tests.campaign_support.RecordingSms",
    }
    RecordingSms.sent = []
    yield RecordingSms

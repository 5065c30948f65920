"""Test data for customer service: cases, partners, queues and SLA policies.

``CaseFactory`` writes rows directly (fast, for volume: list and query-count tests); every
other test opens cases through ``case_open`` so the rules (protocol, SLA targets, assignment,
audit, events) are exercised. The circuits, case types, queues, calendars and default SLA
policies come from migration ``service/0002``.
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from fregues.accounts.tests.factories import TeamFactory, UserFactory
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory
from fregues.service.models import (
    BusinessCalendar,
    Case,
    CaseType,
    CircuitStatus,
    Queue,
    ServicePartner,
    SlaPolicy,
)

BR_CALENDAR = "Brasil — horário comercial"


def case_type(code: str = "technical-assistance") -> CaseType:
    return CaseType.objects.select_related("circuit").get(code=code)


def status(case_type_code: str, code: str) -> CircuitStatus:
    return CircuitStatus.objects.get(circuit__case_types__code=case_type_code, code=code)


def br_calendar() -> BusinessCalendar:
    return BusinessCalendar.objects.get(name=BR_CALENDAR)


class CaseFactory(DjangoModelFactory):
    """An open technical-assistance case in its initial status, without SLA targets."""

    class Meta:
        model = Case

    protocol = factory.Sequence(lambda n: f"2026-{900000 + n:06d}")
    tracking_code = factory.Sequence(lambda n: f"TRK{n:05d}"[-8:])
    party = factory.SubFactory(PartyFactory)
    channel = "phone"
    case_type = factory.LazyFunction(case_type)
    status = factory.LazyAttribute(lambda c: c.case_type.circuit.statuses.get(is_initial=True))
    status_changed_at = factory.LazyFunction(timezone.now)
    is_open = True
    subject = factory.Sequence(lambda n: f"Pedido de assistência {n}")
    description = "A máquina não liga."
    priority = "normal"


class PartnerFactory(DjangoModelFactory):
    """A service partner: an organisation with an e-mail for work orders."""

    class Meta:
        model = ServicePartner

    party = factory.SubFactory(OrganizationFactory, name="Técnicos Unidos")
    email = factory.Sequence(lambda n: f"ordens{n}@tecnicos-unidos.com.br")
    skills = "linha branca"


class QueueFactory(DjangoModelFactory):
    """A queue served by a team of ``agents`` (``QueueFactory(agents=[a, b])``)."""

    class Meta:
        model = Queue
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"fila-{n}")
    name = factory.Sequence(lambda n: f"Fila {n}")
    team = factory.SubFactory(TeamFactory)
    strategy = Queue.Strategy.ROUND_ROBIN

    @factory.post_generation
    def agents(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.team.members.add(*extracted)


class SlaPolicyFactory(DjangoModelFactory):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"Política {n}")
    first_response_minutes = 60
    resolution_minutes = 540
    calendar = factory.LazyFunction(br_calendar)


def agents(n: int, **fields: object) -> list:
    return [UserFactory(role="agent", **fields) for _ in range(n)]


def ago(**delta: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)

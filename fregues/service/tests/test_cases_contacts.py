"""Cases through their services: contacts attached to a case, and avoidable contacts inferred
after a look at the tracking page."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from fregues.core.errors import Invalid
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import AffiliationFactory, OrganizationFactory, PartyFactory
from fregues.service.models import AvoidableContact, Case, TrackingVisit
from fregues.service.services import case_attach_interaction, case_open
from fregues.service.services.avoidable import infer_after_tracking_visit

from .conftest import at, deliver_outbox, make_customer

pytestmark = pytest.mark.django_db


# --- contacts attached ------------------------------------------------------------------


def test_a_status_inquiry_is_counted_as_avoidable(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case()
    call = InteractionFactory(
        party=customer, agent=agent, direction="in", subject="Qual o estado do meu pedido?"
    )
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )

    call.refresh_from_db()
    assert call.regarding_id == case.pk
    avoidable = AvoidableContact.objects.get(interaction=call)
    assert (avoidable.case_id, avoidable.reason) == (case.pk, "status_inquiry")
    # attaching it again does not count it twice
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )
    assert AvoidableContact.objects.count() == 1


def test_an_attached_contact_not_ticked_is_not_avoidable(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case()
    call = InteractionFactory(party=customer, agent=agent, direction="in")
    case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=call.pk)
    assert not AvoidableContact.objects.exists()


def test_an_outbound_reply_is_the_first_response(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    reply = InteractionFactory(
        party=customer, agent=agent, direction="out", occurred_at=at(2026, 3, 2, 11)
    )
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=reply.pk, status_inquiry=True
    )
    case.refresh_from_db()
    assert case.first_responded_at == at(2026, 3, 2, 11)
    assert not AvoidableContact.objects.exists()  # an outbound contact is never avoidable


def test_attaching_an_unknown_contact_is_refused(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=999_999)
    assert "interaction_id" in caught.value.errors


def test_another_customers_contact_cannot_be_attached(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    stranger = InteractionFactory(agent=agent)
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=stranger.pk)
    assert "interaction_id" in caught.value.errors


def test_a_contact_of_the_reporter_or_a_member_of_the_organisation_may_be_attached(
    agent: Any, open_case: Callable
) -> None:
    company = OrganizationFactory()
    member = AffiliationFactory(organization=company).person
    reporter = PartyFactory()
    case = open_case(party=company, reporter_id=reporter.pk)
    for person in (member, reporter):
        call = InteractionFactory(party=person, agent=agent, direction="in")
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=call.pk)
        call.refresh_from_db()
        assert call.regarding_id == case.pk
    member_call = InteractionFactory(party=member, agent=agent)
    opened = case_open(
        actor=agent,
        party_id=company.pk,
        case_type="licence-request",
        subject="Alvará",
        interaction_id=member_call.pk,
        notify=False,
    )
    assert opened.interaction == member_call


# --- avoidable contacts inferred after a look at the tracking page ----------------------


def visited(case: Case, hours_ago: float) -> None:
    visit = TrackingVisit.objects.create(case=case)
    TrackingVisit.objects.filter(pk=visit.pk).update(
        occurred_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )


def contact(party: Party, agent: Any, **fields: Any) -> Interaction:
    fields.setdefault("occurred_at", timezone.now())
    return InteractionFactory(party=party, agent=agent, **fields)


@pytest.mark.parametrize(
    ("hours_ago", "fields", "counted"),
    [
        (1, {}, True),
        (47.5, {"channel": "email"}, True),
        (49, {}, False),  # the visit is too old
        (1, {"direction": "out"}, False),  # we called them
        (1, {"channel": "portal"}, False),  # not a call for the status
    ],
)
def test_an_inbound_contact_after_a_tracking_visit_is_avoidable(
    agent: Any,
    customer: Party,
    open_case: Callable,
    hours_ago: float,
    fields: dict,
    counted: bool,
) -> None:
    case = open_case()
    visited(case, hours_ago)
    call = contact(customer, agent, **fields)
    found = infer_after_tracking_visit(call.pk)
    assert (found is not None) is counted
    if counted:
        assert (found.case_id, found.reason) == (case.pk, "after_tracking_visit")


def test_a_visit_to_a_closed_case_or_by_someone_else_does_not_count(
    agent: Any, customer: Party, open_case: Callable, move: Callable
) -> None:
    closed = open_case("Geladeira")
    visited(closed, 1)
    move(closed, "closed")
    other = make_customer(given="Bruno", email="bruno@exemplo.com.br", phone=None)
    visited(open_case("Forno", party=other), 1)
    assert infer_after_tracking_visit(contact(customer, agent).pk) is None


def test_the_inference_runs_when_the_contact_is_delivered(
    agent: Any, customer: Party, open_case: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case()
    visited(case, 2)
    with django_capture_on_commit_callbacks(execute=True):
        call = interaction_record(
            actor=agent, party_id=customer.pk, data={"channel": "phone", "direction": "in"}
        ).interaction
    deliver_outbox()
    assert AvoidableContact.objects.get(interaction=call).reason == "after_tracking_visit"
    # ticking it as well does not count it twice
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )
    assert AvoidableContact.objects.filter(interaction=call).count() == 1

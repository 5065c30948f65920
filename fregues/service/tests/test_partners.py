"""Partner dispatch: the work order e-mailed with a signed, expiring link; the partner's
updates through it, without an account, on the case timeline."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone

from fregues.core.errors import Conflict, Forbidden, Invalid, NotFound
from fregues.core.models import AuditEntry
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory
from fregues.service.models import CaseEvent, ServicePartner, WorkOrder
from fregues.service.selectors.cases import case_timeline
from fregues.service.services import partner_register, work_order_send, work_order_update
from fregues.service.services.partners import work_order_from_token, work_order_token

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/partner/work-orders/(\S+)")


def token_in(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "http://testserver"


def send(agent: Any, case: Any, partner: ServicePartner, captured: Any, **kwargs: Any) -> WorkOrder:
    with captured(execute=True):
        return work_order_send(
            actor=agent,
            protocol=case.protocol,
            partner_id=partner.pk,
            instructions="Levar peça de reposição.",
            **kwargs,
        )


def test_a_work_order_is_emailed_with_a_signed_link(
    agent: Any,
    open_case: Callable,
    move: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = move(open_case(), "triaged")
    order = send(
        agent, case, partner, django_capture_on_commit_callbacks, transition_to="dispatched"
    )

    assert order.status == "sent"
    assert order.expires_at - order.sent_at == datetime.timedelta(days=14)
    case.refresh_from_db()
    assert case.status.code == "dispatched"
    # the partner's order, and the customer's notice of the move
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana.souza@exemplo.com.br",
        "ordens@tecnicos-unidos.com.br",
    ]
    message = next(m for m in mail.outbox if m.to == ["ordens@tecnicos-unidos.com.br"])
    assert case.protocol in message.subject
    assert "Levar peça de reposição." in message.body
    assert "Ana" in message.body and "Souza" not in message.body  # first name only
    assert work_order_from_token(token_in(message)) == order
    dispatch = CaseEvent.objects.get(case=case, kind="partner_dispatch")
    assert dispatch.data["work_order_id"] == order.pk and dispatch.is_public
    assert AuditEntry.objects.filter(entity_type="service.workorder", entity_id=order.pk).exists()


def test_the_partner_updates_through_the_link_onto_the_timeline(
    agent: Any,
    open_case: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    send(agent, case, partner, django_capture_on_commit_callbacks)
    token = token_in(mail.outbox[0])

    work_order_update(token=token, status="accepted", notes="Visita amanhã às 9h.")
    order = work_order_update(token=token, status="done", notes="Motor trocado.")

    assert order.status == "done"
    assert "Visita amanhã às 9h." in order.partner_notes
    assert "Motor trocado." in order.partner_notes
    updates = CaseEvent.objects.filter(case=case, kind="partner_update")
    assert [(e.data["from"], e.data["to"]) for e in updates] == [
        ("sent", "accepted"),
        ("accepted", "done"),
    ]
    assert updates[0].actor_name == "partner: Técnicos Unidos"
    assert [e.is_public for e in updates] == [False, True]
    summaries = [item.summary for item in case_timeline(actor=agent, protocol=case.protocol)]
    assert any("Motor trocado." in s for s in summaries)


def test_a_tampered_link_is_refused(
    agent: Any,
    open_case: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
    nothing_written: Callable,
) -> None:
    case = open_case()
    send(agent, case, partner, django_capture_on_commit_callbacks)
    token = token_in(mail.outbox[0])
    forged = signing.dumps({"wo": 999}, salt="another-salt")

    with nothing_written():
        for bad in (token[:-2] + "xx", forged, "nonsense"):
            with pytest.raises(NotFound) as caught:
                work_order_update(token=bad, status="done")
            assert caught.value.code == "bad_link"


def test_an_expired_link_is_refused(
    agent: Any,
    open_case: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    long_ago = timezone.now() - datetime.timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        order = work_order_send(
            actor=agent, protocol=case.protocol, partner_id=partner.pk, now=long_ago
        )
    with pytest.raises(NotFound) as caught:
        work_order_update(token=work_order_token(order), status="done")
    assert caught.value.code == "link_expired"


@override_settings(WORK_ORDER_LINK_DAYS=2)
def test_the_link_lifetime_is_configurable(
    agent: Any,
    open_case: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
) -> None:
    order = send(agent, open_case(), partner, django_capture_on_commit_callbacks)
    assert order.expires_at - order.sent_at == datetime.timedelta(days=2)


def test_an_unknown_status_from_the_partner_is_refused(
    agent: Any,
    open_case: Callable,
    partner: ServicePartner,
    django_capture_on_commit_callbacks: Any,
    nothing_written: Callable,
) -> None:
    order = send(agent, open_case(), partner, django_capture_on_commit_callbacks)
    with nothing_written(), pytest.raises(Invalid) as caught:
        work_order_update(token=work_order_token(order), status="teleported")
    assert "status" in caught.value.errors


def test_dispatch_validates_partner_case_and_transition(
    agent: Any,
    open_case: Callable,
    move: Callable,
    partner: ServicePartner,
    nothing_written: Callable,
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        work_order_send(actor=agent, protocol=case.protocol, partner_id=999_999)
    assert "partner_id" in caught.value.errors

    with nothing_written(), pytest.raises(Invalid):  # new → dispatched is not allowed
        work_order_send(
            actor=agent, protocol=case.protocol, partner_id=partner.pk, transition_to="dispatched"
        )

    with nothing_written(), pytest.raises(NotFound):
        work_order_send(actor=agent, protocol="2026-999999", partner_id=partner.pk)

    closed = move(open_case("Outro pedido"), "closed")
    with nothing_written(), pytest.raises(Conflict):
        work_order_send(actor=agent, protocol=closed.protocol, partner_id=partner.pk)

    partner.is_active = False
    partner.save()
    with nothing_written(), pytest.raises(Invalid):
        work_order_send(actor=agent, protocol=case.protocol, partner_id=partner.pk)


def test_marketing_cannot_dispatch(
    marketer: Any, open_case: Callable, partner: ServicePartner
) -> None:
    with pytest.raises(Forbidden):
        work_order_send(actor=marketer, protocol=open_case().protocol, partner_id=partner.pk)


def test_registering_a_partner(admin: Any, agent: Any, nothing_written: Callable) -> None:
    org = OrganizationFactory(name="Refrigeração Polar")
    partner = partner_register(
        actor=admin, party_id=org.pk, email=" OS@Polar.com.br ", skills="refrigeração"
    )
    assert partner.email == "os@polar.com.br"
    again = partner_register(actor=admin, party_id=org.pk, email="novo@polar.com.br")
    assert again.pk == partner.pk and again.email == "novo@polar.com.br"

    person = PartyFactory()
    with nothing_written():
        with pytest.raises(Invalid):
            partner_register(actor=admin, party_id=person.pk, email="a@b.com.br")
        with pytest.raises(Invalid):
            partner_register(actor=admin, party_id=org.pk, email="not an e-mail")
        with pytest.raises(Forbidden):
            partner_register(actor=agent, party_id=org.pk, email="a@b.com.br")

"""The customer's answer on a case: recorded on the case, and the case goes back to work.

Staff who ask the customer for something move the case to a status "waiting on the customer"
(the SLA clock stops). When the customer answers — in the portal today, by an e-mail reply
tomorrow — the answer is an inbound contact on the case and the case leaves waiting by its own
circuit's move out of it (the first allowed move to an open status, "information received"),
so nobody has to notice the answer before the clock runs again.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, Invalid, NotFound
from fregues.core.permissions import require
from fregues.interactions.models import Channel, Interaction
from fregues.interactions.services import NewAttachment, interaction_link, interaction_record

from ..models import Case, CircuitTransition, StatusCategory
from .cases import transition_apply
from .common import CASE_REGARDING, case_event, case_for_update, now_or

REPLY_MAX_CHARS = 5000


def move_out_of_waiting(case: Case) -> CircuitTransition | None:
    """The circuit's move a customer's answer makes: out of waiting, to an open status."""
    if case.status.category != StatusCategory.WAITING_CUSTOMER:
        return None
    return (
        CircuitTransition.objects.filter(
            from_status=case.status_id, to_status__category=StatusCategory.OPEN
        )
        .select_related("to_status")
        .order_by("to_status__position", "id")
        .first()
    )


def case_customer_reply(
    *,
    actor: Any,
    protocol: str,
    party_id: int,
    body: str,
    channel: str = Channel.PORTAL,
    attachments: list[NewAttachment] | None = None,
    now: datetime.datetime | None = None,
) -> Interaction:
    """Record the customer's answer on a case and take the case out of waiting on them.

    ``party_id`` is who wrote (the customer, the reporter or a person of the customer
    organisation: the caller has checked they may). A closed case takes no more answers: the
    customer opens a new request.
    """
    require(actor, "interaction.create")
    now = now_or(now)
    body = (body or "").strip()
    if not body:
        raise Invalid.field("body", _("Write your message."))
    if len(body) > REPLY_MAX_CHARS:
        raise Invalid.field("body", _("At most %(n)s characters.") % {"n": REPLY_MAX_CHARS})
    with transaction.atomic():
        case = case_for_update(protocol)
        if case.status.category == StatusCategory.CLOSED:
            raise Conflict(
                _("Request %(p)s is closed: open a new request.") % {"p": case.protocol},
                code="case_closed",
            )
        recorded = interaction_record(
            actor=actor,
            data={
                "channel": channel,
                "direction": "in",
                "occurred_at": now,
                "subject": (_("Reply on %(p)s") % {"p": case.protocol})[:300],
                "body": body,
                "regarding_type": CASE_REGARDING,
                "regarding_id": case.pk,
            },
            party_id=party_id,
            attachments=attachments,
        ).interaction
        _answered(actor, case, recorded, now)
    return recorded


def case_customer_replied(
    *, actor: Any, case_id: int, interaction_id: int, now: datetime.datetime | None = None
) -> Case:
    """A customer's answer already recorded on the timeline (an e-mail reply threaded onto the
    case by its headers) takes the case out of waiting, as an answer in the portal does.

    The interaction is linked to the case; a closed case takes no more answers (409).
    """
    require(actor, "interaction.create")
    now = now_or(now)
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("status").filter(pk=case_id).first()
        if case is None:
            raise NotFound(_("Case %(id)s does not exist.") % {"id": case_id})
        if case.status.category == StatusCategory.CLOSED:
            raise Conflict(
                _("Request %(p)s is closed: open a new request.") % {"p": case.protocol},
                code="case_closed",
            )
        recorded = interaction_link(
            actor=actor,
            interaction_id=interaction_id,
            regarding_type=CASE_REGARDING,
            regarding_id=case.pk,
        )
        _answered(actor, case, recorded, now)
    return case


def _answered(actor: Any, case: Case, recorded: Interaction, now: datetime.datetime) -> None:
    audit_record(
        actor=actor,
        action="update",
        instance=case,
        party_id=case.party_id,
        summary=f"{case.protocol}: the customer replied ({recorded.channel})",
    )
    case_event("case.customer_replied", case, interaction_id=recorded.pk)
    move = move_out_of_waiting(case)
    if move is not None:
        transition_apply(
            actor=actor,
            protocol=case.protocol,
            to_status=move.to_status.code,
            comment=_("The customer answered."),
            now=now,
        )

"""Service partners and work orders: the partner updates the case through a signed,
expiring link, without an account; every update lands on the case timeline."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound
from fregues.core.events import enqueue_on_commit
from fregues.core.permissions import require
from fregues.parties.models import Party, PartyKind
from fregues.parties.normalize import normalize_email

from ..models import CaseEvent, ServicePartner, WorkOrder
from .common import add_event, case_event, case_for_update, now_or

SALT = "fregues.work-order"


def partner_register(*, actor: Any, party_id: int, email: str, skills: str = "") -> ServicePartner:
    """Flag an organisation as a service partner that receives work orders at ``email``."""
    require(actor, "service.configure")
    errors = ErrorCollector()
    party = Party.objects.filter(pk=party_id, merged_into__isnull=True).first()
    if party is None:
        errors.add("party_id", _("Party %(id)s does not exist.") % {"id": party_id})
    elif party.kind != PartyKind.ORGANIZATION:
        errors.add("party_id", _("A service partner is an organisation."))
    address = ""
    try:
        address = normalize_email(email, field="email")
    except Invalid as exc:
        errors.add("email", exc.message)
    errors.raise_if_any()
    assert party is not None
    with transaction.atomic():
        partner, created = ServicePartner.objects.update_or_create(
            party=party, defaults={"email": address, "skills": skills[:300], "is_active": True}
        )
        audit_record(
            actor=actor,
            action="create" if created else "update",
            instance=partner,
            party_id=party.pk,
            summary=f"service partner {party.name}",
        )
    return partner


def work_order_token(order: WorkOrder) -> str:
    return signing.dumps({"wo": order.pk}, salt=SALT)


def work_order_link(order: WorkOrder) -> str:
    return f"{settings.PUBLIC_BASE_URL}/partner/work-orders/{work_order_token(order)}"


def work_order_send(
    *,
    actor: Any,
    protocol: str,
    partner_id: int,
    instructions: str = "",
    transition_to: str | None = None,
    notify: bool = True,
    now: datetime.datetime | None = None,
) -> WorkOrder:
    """Send a case to a service partner: a work order e-mailed with a signed link that expires
    after FREGUES_WORK_ORDER_LINK_DAYS days. ``transition_to`` also moves the case (e.g. to
    "dispatched") in the same transaction."""
    require(actor, "case.change")
    now = now_or(now)
    partner = (
        ServicePartner.objects.select_related("party").filter(pk=partner_id, is_active=True).first()
    )
    if partner is None:
        raise Invalid.field("partner_id", _("Unknown service partner %(id)s.") % {"id": partner_id})
    with transaction.atomic():
        case = case_for_update(protocol)
        if not case.is_open:
            raise Conflict(_("Case %(p)s is closed.") % {"p": case.protocol}, code="case_closed")
        order = WorkOrder.objects.create(
            case=case,
            partner=partner,
            instructions=instructions,
            sent_at=now,
            expires_at=now + datetime.timedelta(days=settings.WORK_ORDER_LINK_DAYS),
        )
        add_event(
            case,
            CaseEvent.Kind.PARTNER_DISPATCH,
            actor=actor,
            at=now,
            public=True,
            summary=partner.party.name,
            data={"work_order_id": order.pk, "partner_id": partner.pk},
        )
        audit_record(
            actor=actor,
            action="create",
            instance=order,
            party_id=case.party_id,
            summary=f"{case.protocol} sent to {partner.party.name}",
        )
        case_event("case.dispatched", case, work_order_id=order.pk)
        if transition_to:
            from .cases import case_transition

            case_transition(
                actor=actor, protocol=case.protocol, to_status=transition_to, notify=notify, now=now
            )
        link = work_order_link(order)
        subject = f"[Freguês] Ordem de serviço {order.pk} — {case.protocol}"
        body = (
            f"{case.case_type.name}: {case.subject}\n\n{instructions}\n\n"
            f"Cliente: {case.party.first_name}\n\n"
            f"Atualize o estado e as notas aqui (válido até {order.expires_at:%d/%m/%Y}):\n{link}"
        )
        enqueue_on_commit("fregues.core.tasks.send_email", subject, body, [partner.email])
    return order


def work_order_from_token(token: str) -> WorkOrder:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise NotFound(_("This link is not valid."), code="bad_link") from exc
    order = (
        WorkOrder.objects.select_related("case__status", "case__case_type", "partner__party")
        .filter(pk=data.get("wo"))
        .first()
    )
    if order is None:
        raise NotFound(_("This link is not valid."), code="bad_link")
    if timezone.now() > order.expires_at:
        raise NotFound(_("This link has expired. Ask for a new one."), code="link_expired")
    return order


def work_order_update(*, token: str, status: str, notes: str = "") -> WorkOrder:
    """The partner's update through the signed link: status and notes, on the case timeline."""
    if status not in WorkOrder.Status.values:
        raise Invalid.field("status", _("Unknown status '%(v)s'.") % {"v": status})
    with transaction.atomic():
        order = work_order_from_token(token)
        order = (
            WorkOrder.objects.select_for_update()
            .select_related("case", "partner__party")
            .get(pk=order.pk)
        )
        if (
            order.status in (WorkOrder.Status.DONE, WorkOrder.Status.REJECTED)
            and status == order.status
        ):
            return order
        before = order.status
        order.status = status
        notes = (notes or "").strip()
        if notes:
            stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
            order.partner_notes = f"{order.partner_notes}\n[{stamp}] {notes}".strip()
        order.save()
        name = order.partner.party.name
        add_event(
            order.case,
            CaseEvent.Kind.PARTNER_UPDATE,
            actor_name=f"partner: {name}",
            summary=f"{order.get_status_display()}" + (f" — {notes}" if notes else ""),
            data={"work_order_id": order.pk, "from": before, "to": status, "notes": notes},
            public=status in (WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.DONE),
        )
        audit_record(
            actor=f"partner: {name}",
            action="update",
            instance=order,
            party_id=order.case.party_id,
            summary=f"work order {order.pk}: {before} → {status}",
            changes={"status": [before, status], "notes": notes},
        )
        case_event("case.partner_update", order.case, work_order_id=order.pk, status=status)
    return order

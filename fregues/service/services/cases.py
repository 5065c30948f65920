"""Opening cases, moving them through their circuit, changing and linking them.

One request is one case: a second report of an open case of the same type with a similar
subject joins the first (as an interaction on it) instead of creating a duplicate.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.core.text import fold
from fregues.interactions.models import Channel, Interaction
from fregues.interactions.services import interaction_link, interaction_record
from fregues.parties.models import Affiliation, Party
from fregues.parties.selectors import party_survivor_id

from ..models import (
    AvoidableContact,
    Case,
    CaseEvent,
    CasePriority,
    CaseType,
    CircuitStatus,
    CircuitTransition,
    ProtocolSequence,
    Queue,
    StatusCategory,
)
from . import sla
from .assignment import pick_assignee
from .common import (
    CASE_AUDIT_FIELDS,
    CASE_REGARDING,
    add_event,
    bump,
    case_event,
    case_for_update,
    check_version,
    now_or,
    user_or_none,
)
from .notices import notice_queue

SIMILAR_SUBJECT = 70  # rapidfuzz token_set_ratio on folded subjects
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass
class CaseOpened:
    case: Case
    created: bool
    interaction: Interaction | None = None
    similar: list[Case] = field(default_factory=list)


def new_tracking_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def next_protocol(now: datetime.datetime) -> str:
    """The next readable protocol number of the year: ``2026-000123`` (prefix configurable)."""
    prefix = settings.PROTOCOL_PREFIX
    year = timezone.localtime(now).year
    for _attempt in range(3):
        sequence = (
            ProtocolSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        )
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = ProtocolSequence.objects.create(prefix=prefix, year=year)
            except IntegrityError:
                continue
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        return f"{prefix}{year}-{sequence.last_number:06d}"
    raise RuntimeError("could not reserve a protocol number")


def case_type_get(value: str | int) -> CaseType | None:
    qs = CaseType.objects.select_related("circuit", "default_queue")
    if isinstance(value, int) or str(value).isdigit():
        return qs.filter(pk=int(value)).first()
    return qs.filter(code=value).first()


def similar_open_cases(party_id: int, case_type_id: int, subject: str) -> list[Case]:
    """Open cases of this customer and type whose subject reads like ``subject``."""
    folded = fold(subject)
    found = []
    for case in (
        Case.objects.filter(party_id=party_id, case_type_id=case_type_id, is_open=True)
        .select_related("status")
        .order_by("-created_at")
    ):
        if fuzz.token_set_ratio(folded, fold(case.subject)) >= SIMILAR_SUBJECT:
            found.append(case)
    return found


def contact_concerns(interaction: Interaction, party_id: int, reporter_id: int | None) -> bool:
    """Whether a recorded contact may be about a case of ``party_id``: it came from the
    customer, from the case's reporter, or from a person affiliated to the organisation."""
    if interaction.party_id in (party_id, reporter_id):
        return True
    return Affiliation.objects.filter(
        person_id=interaction.party_id, organization_id=party_id
    ).exists()


def case_open(
    *,
    actor: Any,
    party_id: int,
    case_type: str | int,
    subject: str,
    description: str = "",
    channel: str = "phone",
    priority: str = "normal",
    category: str = "",
    reporter_id: int | None = None,
    queue_id: int | None = None,
    assignee_id: int | None = None,
    interaction_id: int | None = None,
    parent_id: int | None = None,
    force_new: bool = False,
    notify: bool = True,
    now: datetime.datetime | None = None,
) -> CaseOpened:
    """Open a case for a customer and give it a protocol — or join the open one it repeats.

    The contact that brought the request is on the case: ``interaction_id`` links a recorded
    one; otherwise an inbound interaction is recorded on ``channel``. When the customer already
    has an open case of this type with a similar subject, nothing new is opened (unless
    ``force_new``): the report is added to that case, counted as an avoidable contact, and the
    existing case is returned with ``created=False``.
    """
    require(actor, "case.create")
    now = now_or(now)
    errors = ErrorCollector()
    subject = (subject or "").strip()
    if not subject:
        errors.add("subject", _("Say what the request is about."))
    elif len(subject) > 300:
        errors.add("subject", _("At most %(n)s characters.") % {"n": 300})
    kind = case_type_get(case_type) if case_type not in (None, "") else None
    if kind is None:
        errors.add("case_type", _("Unknown case type '%(v)s'.") % {"v": case_type})
    if channel not in Channel.values:
        errors.add("channel", _("Unknown channel '%(v)s'.") % {"v": channel})
    if priority not in CasePriority.values:
        errors.add(
            "priority", _("Priority is one of: %(c)s.") % {"c": ", ".join(CasePriority.values)}
        )
    party = Party.objects.filter(pk=party_id).first() if party_id else None
    if party is None:
        errors.add("party_id", _("Party %(id)s does not exist.") % {"id": party_id})
    elif party.merged_into_id:
        party = Party.objects.get(pk=party_survivor_id(party.pk))
    if reporter_id and not Party.objects.filter(pk=reporter_id).exists():
        errors.add("reporter_id", _("Party %(id)s does not exist.") % {"id": reporter_id})
    if queue_id and not Queue.objects.filter(pk=queue_id).exists():
        errors.add("queue_id", _("Queue %(id)s does not exist.") % {"id": queue_id})
    User = get_user_model()
    if assignee_id and not User.objects.filter(pk=assignee_id, is_active=True).exists():
        errors.add("assignee_id", _("User %(id)s does not exist.") % {"id": assignee_id})
    if parent_id and not Case.objects.filter(pk=parent_id).exists():
        errors.add("parent_id", _("Case %(id)s does not exist.") % {"id": parent_id})
    linked: Interaction | None = None
    if interaction_id:
        linked = Interaction.objects.filter(pk=interaction_id).first()
        if linked is None:
            errors.add(
                "interaction_id", _("Interaction %(id)s does not exist.") % {"id": interaction_id}
            )
        elif party is not None and not contact_concerns(linked, party.pk, reporter_id):
            errors.add("interaction_id", _("This contact is from another customer."))
    errors.raise_if_any()
    assert kind is not None and party is not None

    with transaction.atomic():
        # One open at a time per customer: a second report arriving at the same moment waits
        # here, then finds the case the first one opened and joins it.
        Party.objects.select_for_update().filter(pk=party.pk).first()
        if not force_new:
            similar = similar_open_cases(party.pk, kind.pk, subject)
            if similar:
                existing = Case.objects.select_for_update().get(pk=similar[0].pk)
                contact = _record_contact(
                    actor,
                    existing,
                    linked,
                    channel,
                    _("Reported again: %(s)s") % {"s": subject},
                    description,
                    now,
                )
                add_event(
                    existing,
                    CaseEvent.Kind.REPORT_JOINED,
                    actor=actor,
                    at=now,
                    summary=subject,
                    data={"interaction_id": contact.pk, "channel": channel},
                )
                AvoidableContact.objects.get_or_create(
                    interaction=contact,
                    defaults={
                        "case": existing,
                        "reason": AvoidableContact.Reason.REPEAT_REPORT,
                        "occurred_at": contact.occurred_at,
                    },
                )
                bump(existing, [])
                audit_record(
                    actor=actor,
                    action="update",
                    instance=existing,
                    party_id=existing.party_id,
                    summary=f"{existing.protocol}: reported again ({channel})",
                )
                case_event("case.report_joined", existing, interaction_id=contact.pk)
                return CaseOpened(
                    case=existing, created=False, interaction=contact, similar=similar
                )

        initial: CircuitStatus = kind.circuit.statuses.get(is_initial=True)
        case = Case(
            protocol=next_protocol(now),
            tracking_code=new_tracking_code(),
            party=party,
            reporter_id=reporter_id,
            channel=channel,
            case_type=kind,
            category=(category or "").strip()[:80],
            priority=priority,
            queue_id=queue_id or kind.default_queue_id,
            assignee_id=assignee_id,
            status=initial,
            status_changed_at=now,
            is_open=True,
            subject=subject,
            description=description or "",
            created_by=user_or_none(actor),
            parent_id=parent_id,
        )
        sla.apply_targets(case, now)
        case.save()
        Case.objects.filter(pk=case.pk).update(created_at=now)
        if case.assignee_id is None and case.queue_id:
            chosen = pick_assignee(case.queue)  # type: ignore[arg-type]
            if chosen is not None:
                case.assignee = chosen
                case.save(update_fields=["assignee"])
        contact = _record_contact(actor, case, linked, channel, subject, description, now)
        add_event(
            case,
            CaseEvent.Kind.CREATED,
            actor=actor,
            at=now,
            public=True,
            summary=f"{case.protocol}: {subject}",
            data={"status": initial.code, "channel": channel, "interaction_id": contact.pk},
        )
        audit_record(
            actor=actor,
            action="create",
            instance=case,
            party_id=party.pk,
            summary=f"{case.protocol}: {subject}",
            changes=snapshot(case, CASE_AUDIT_FIELDS),
        )
        case_event("case.opened", case)
        if notify:
            notice_queue(case.pk, "opened", 0)
    return CaseOpened(case=case, created=True, interaction=contact)


def _record_contact(
    actor: Any,
    case: Case,
    linked: Interaction | None,
    channel: str,
    subject: str,
    description: str,
    now: datetime.datetime,
) -> Interaction:
    if linked is not None:
        return interaction_link(
            actor=actor,
            interaction_id=linked.pk,
            regarding_type=CASE_REGARDING,
            regarding_id=case.pk,
        )
    network = "whatsapp" if channel == Channel.SOCIAL else ""
    return interaction_record(
        actor=actor,
        data={
            "channel": channel,
            "network": network,
            "direction": "in",
            "occurred_at": min(now, timezone.now()),
            "subject": subject[:300],
            "body": description,
            "regarding_type": CASE_REGARDING,
            "regarding_id": case.pk,
        },
        party_id=case.party_id,
    ).interaction


def allowed_transitions(case: Case) -> list[CircuitTransition]:
    return list(
        CircuitTransition.objects.filter(from_status=case.status_id)
        .select_related("to_status")
        .order_by("to_status__position")
    )


def case_transition(
    *,
    actor: Any,
    protocol: str,
    to_status: str,
    comment: str = "",
    version: int | None = None,
    notify: bool = True,
    now: datetime.datetime | None = None,
) -> Case:
    """Move a case to ``to_status`` (a status code of its circuit) if the circuit allows it.

    Waiting on the customer pauses the SLA clock; leaving it resumes the clock with the due
    dates moved by the time waited. Resolving and closing stamp their times; closing sends the
    satisfaction survey. A transition marked to notify tells the customer on their preferred
    channel, in their language, after commit.
    """
    require(actor, "case.change")
    return transition_apply(
        actor=actor,
        protocol=protocol,
        to_status=to_status,
        comment=comment,
        version=version,
        notify=notify,
        now=now,
    )


def transition_apply(
    *,
    actor: Any,
    protocol: str,
    to_status: str,
    comment: str = "",
    version: int | None = None,
    notify: bool = True,
    now: datetime.datetime | None = None,
) -> Case:
    """``case_transition`` without the permission check, for the moves the circuit makes on
    its own behalf (the customer's answer takes a case out of waiting on the customer)."""
    now = now_or(now)
    with transaction.atomic():
        case = case_for_update(protocol)
        check_version(case, version)
        moves = allowed_transitions(case)
        move = next((m for m in moves if m.to_status.code == to_status), None)
        if move is None:
            allowed = [m.to_status.code for m in moves]
            raise Invalid(
                _("Case %(p)s cannot go from '%(a)s' to '%(b)s'. Allowed: %(allowed)s.")
                % {
                    "p": case.protocol,
                    "a": case.status.code,
                    "b": to_status,
                    "allowed": ", ".join(allowed) or _("none (final status)"),
                },
                code="forbidden_transition",
                errors={"to_status": [_("Not allowed from '%(a)s'.") % {"a": case.status.code}]},
                details={"allowed": allowed},
            )
        before = case.status
        target = move.to_status
        case.status = target
        case.status_changed_at = now
        case.is_open = target.category in (StatusCategory.OPEN, StatusCategory.WAITING_CUSTOMER)
        fields = ["status", "status_changed_at", "is_open"]
        if target.category == StatusCategory.WAITING_CUSTOMER:
            sla.pause(case, now)
            fields.append("sla_paused_at")
        elif before.category == StatusCategory.WAITING_CUSTOMER:
            sla.resume(case, now)
            fields += [
                "sla_paused_at",
                "sla_paused_minutes",
                "first_response_due",
                "resolution_due",
            ]
        if case.first_responded_at is None and user_or_none(actor) is not None:
            case.first_responded_at = now
            fields.append("first_responded_at")
        if target.category == StatusCategory.RESOLVED:
            case.resolved_at = now
            fields.append("resolved_at")
        elif target.category == StatusCategory.CLOSED:
            case.closed_at = now
            case.resolved_at = case.resolved_at or now
            fields += ["closed_at", "resolved_at"]
        elif before.category in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
            case.resolved_at = case.closed_at = None  # reopened
            fields += ["resolved_at", "closed_at"]
        bump(case, fields)
        event = add_event(
            case,
            CaseEvent.Kind.TRANSITION,
            actor=actor,
            at=now,
            public=True,
            summary=(comment or "").strip()[:300],
            data={"from": before.code, "to": target.code, "notifies": move.notifies_customer},
        )
        audit_record(
            actor=actor,
            action="update",
            instance=case,
            party_id=case.party_id,
            summary=f"{case.protocol}: {before.code} → {target.code}",
            changes={"status": [before.code, target.code], "comment": comment},
        )
        case_event("case.transitioned", case, from_status=before.code, to_status=target.code)
        if target.category == StatusCategory.CLOSED:
            from .satisfaction import survey_create

            survey_create(case=case, now=now)
        if move.notifies_customer and notify:
            notice_queue(case.pk, "transition", event.pk)
    return case


UPDATABLE = (
    "subject",
    "description",
    "category",
    "priority",
    "queue_id",
    "reporter_id",
    "parent_id",
    "duplicate_of_id",
)


TEXT_SIZES = {"subject": 300, "category": 80}


def case_update(
    *,
    actor: Any,
    protocol: str,
    data: dict[str, Any],
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """Change a case's details. A new priority recomputes the SLA targets from the opening."""
    require(actor, "case.change")
    now = now_or(now)
    with transaction.atomic():
        case = case_for_update(protocol)
        check_version(case, version)
        errors = ErrorCollector()
        before = snapshot(case, CASE_AUDIT_FIELDS)
        for name, value in data.items():
            if name not in UPDATABLE:
                continue
            if name in ("description", "category") and value is None:
                value = ""  # cleared
            if name == "subject" and not (value or "").strip():
                errors.add("subject", _("Say what the request is about."))
            size = TEXT_SIZES.get(name)
            if size and isinstance(value, str) and len(value.strip()) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            if name == "priority" and value not in CasePriority.values:
                errors.add(
                    "priority",
                    _("Priority is one of: %(c)s.") % {"c": ", ".join(CasePriority.values)},
                )
            if name == "queue_id" and value and not Queue.objects.filter(pk=value).exists():
                errors.add("queue_id", _("Queue %(id)s does not exist.") % {"id": value})
            if (
                name in ("parent_id", "duplicate_of_id")
                and value
                and (value == case.pk or not Case.objects.filter(pk=value).exists())
            ):
                errors.add(name, _("Case %(id)s does not exist.") % {"id": value})
            if name == "reporter_id" and value and not Party.objects.filter(pk=value).exists():
                errors.add(name, _("Party %(id)s does not exist.") % {"id": value})
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        errors.raise_if_any()
        changes = diff(before, snapshot(case, CASE_AUDIT_FIELDS))
        if not changes:
            return case
        if "priority" in changes and case.is_open:
            sla.apply_targets(case, case.created_at)
        bump(
            case,
            [name for name in UPDATABLE if name in data]
            + ["sla_policy", "first_response_due", "resolution_due"],
        )
        add_event(
            case,
            CaseEvent.Kind.UPDATED,
            actor=actor,
            at=now,
            summary=", ".join(sorted(changes)),
            data={"changes": changes},
        )
        audit_record(
            actor=actor,
            action="update",
            instance=case,
            party_id=case.party_id,
            summary=case.protocol,
            changes=changes,
        )
        case_event("case.updated", case, fields=sorted(changes))
    return case


def case_attach_interaction(
    *,
    actor: Any,
    protocol: str,
    interaction_id: int,
    status_inquiry: bool = False,
) -> Interaction:
    """Attach a recorded contact to a case. An inbound contact ticked as a status inquiry
    about an open case is counted as an avoidable contact."""
    require(actor, "case.change")
    with transaction.atomic():
        case = case_for_update(protocol)
        interaction = Interaction.objects.filter(pk=interaction_id).first()
        if interaction is None:
            raise Invalid.field(
                "interaction_id", _("Interaction %(id)s does not exist.") % {"id": interaction_id}
            )
        if not contact_concerns(interaction, case.party_id, case.reporter_id):
            raise Invalid.field("interaction_id", _("This contact is from another customer."))
        linked = interaction_link(
            actor=actor,
            interaction_id=interaction_id,
            regarding_type=CASE_REGARDING,
            regarding_id=case.pk,
        )
        if status_inquiry and linked.direction == "in":
            from .avoidable import avoidable_contact_record

            avoidable_contact_record(
                case=case, interaction=linked, reason=AvoidableContact.Reason.STATUS_INQUIRY
            )
        if linked.direction == "out" and case.first_responded_at is None:
            case.first_responded_at = linked.occurred_at
            bump(case, ["first_responded_at"])
        case_event("case.interaction_attached", case, interaction_id=linked.pk)
    return linked


def case_contact_record(
    *,
    actor: Any,
    protocol: str,
    data: dict[str, Any],
    party_id: int,
    address: str = "",
    attachments: list[Any] | None = None,
    status_inquiry: bool = False,
) -> Interaction:
    """Log a contact about a case (from its page): record it on the timeline of ``party_id``
    (the customer or the reporter) and attach it to the case — both or neither. A ticked
    status inquiry counts as an avoidable contact."""
    with transaction.atomic():
        recorded = interaction_record(
            actor=actor, data=data, party_id=party_id, address=address, attachments=attachments
        )
        return case_attach_interaction(
            actor=actor,
            protocol=protocol,
            interaction_id=recorded.interaction.pk,
            status_inquiry=status_inquiry,
        )

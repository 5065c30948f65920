"""Proactive status notices: the customer hears of each step on the channel they prefer, in
their language, and the notice is on their timeline as an outbound interaction.

Each notice is promised by a ``CaseNotice`` row written with the step (``notice_queue``); the
task claims it, sends with the row's key as idempotency key and marks it sent with the record;
``case_notices_sweep`` re-queues what a lost task or a killed worker left behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fregues.core.events import enqueue_on_commit
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.parties.models import ContactPoint, Party

from ..models import Case, CaseEvent, CaseNotice
from ..notify import send_once, sender_for
from .common import CASE_REGARDING, add_event
from .satisfaction import survey_token
from .sending import send_verdict

NOTICE_TASK = "fregues.service.tasks.case_notify"
NOTICE_MAX_ATTEMPTS = 10
NOTICE_PURPOSE = "service_notices"  # the consent-ledger purpose notices are sent under
# preferred channel → (interaction channel, network, contact point kind, network of the point)
ROUTES = {
    "email": ("email", "", "email", ""),
    "sms": ("sms", "", "phone", ""),
    "whatsapp": ("social", "whatsapp", "phone", ""),
}


def notice_route(party: Party) -> tuple[str, str, str, str] | None:
    """(sender channel, interaction channel, network, address) for this customer, or None.

    Their preferred channel when they have an address for it, else e-mail, else SMS — never a
    channel on which they objected to notices in the consent ledger ("service_notices"), nor
    an address that bounced (``sending.send_verdict``, the check every sender makes).
    """
    order = [party.preferred_channel] if party.preferred_channel in ROUTES else []
    order += [c for c in ("email", "sms") if c not in order]
    points = list(ContactPoint.objects.filter(party=party).order_by("-is_primary", "id"))
    for preferred in order:
        channel, network, kind, _net = ROUTES[preferred]
        if preferred == "whatsapp":
            point = next(
                (p for p in points if p.kind == "social" and p.network == "whatsapp"), None
            )
            point = point or next((p for p in points if p.kind == "phone"), None)
        else:
            point = next((p for p in points if p.kind == kind), None)
        if point is None:
            continue
        # the one check every sender makes: the ledger ("service_notices") and a hard bounce
        verdict = send_verdict(
            party_id=party.pk,
            purpose=NOTICE_PURPOSE,
            channel=preferred,
            marketing=False,
            address=point.normalized,
            if_unknown=True,
        )
        if verdict.allowed:
            return preferred, channel, network, point.normalized
    return None


def _language(party: Party) -> str:
    return party.language or settings.LANGUAGE_CODE


def _compose(case: Case, kind: str, event: CaseEvent | None) -> tuple[str, str]:
    party = case.party
    status = case.status
    track = f"{settings.PUBLIC_BASE_URL}/track/{case.protocol}"
    hello = _("Hello %(name)s,") % {"name": party.first_name}
    if kind == "opened":
        subject = _("Your request %(p)s was registered") % {"p": case.protocol}
        lines = [
            hello,
            _("we registered your request “%(s)s” with protocol %(p)s.")
            % {"s": case.subject, "p": case.protocol},
        ]
    else:
        label = status.label(translation.get_language())
        subject = _("Request %(p)s: %(status)s") % {"p": case.protocol, "status": label}
        lines = [
            hello,
            _("your request %(p)s (%(s)s) is now: %(status)s.")
            % {"p": case.protocol, "s": case.subject, "status": label},
        ]
        told = status.public_text(translation.get_language())
        if told:
            lines.append(told)
        if event is not None and event.summary:
            lines.append(event.summary)
    lines.append(
        _("Follow it at %(url)s with the code %(code)s — no need to call us.")
        % {"url": track, "code": case.tracking_code}
    )
    survey = getattr(case, "survey", None)
    if survey is not None and survey.answered_at is None and not case.is_open:
        lines.append(
            _("How did we do? Tell us in one click: %(url)s")
            % {"url": f"{settings.PUBLIC_BASE_URL}/csat/{survey_token(survey)}"}
        )
    return subject, "\n\n".join(lines)


def _held(
    case: Case, sender_channel: str, address: str, kind: str, event_id: int
) -> datetime | None:
    """Hold a step's notice (not the receipt, which carries the protocol the customer is
    waiting for) until the customer's contact hours open, per the sending check; the time
    it was enqueued for, if held. A task backend that cannot run tasks later sends it now."""
    from django_tasks import default_task_backend

    verdict = send_verdict(
        party_id=case.party_id,
        purpose=NOTICE_PURPOSE,
        channel=sender_channel,
        marketing=False,
        address=address,
        if_unknown=True,
    )
    if not verdict.deferred or not default_task_backend.supports_defer:
        return None
    from django.utils.module_loading import import_string

    task = import_string(NOTICE_TASK)
    task.using(run_after=verdict.not_before).enqueue(case.pk, kind, event_id)
    return verdict.not_before


def notice_queue(case_id: int, kind: str, event_id: int = 0) -> None:
    """Promise the notice of a step in the step's transaction; its task is queued on commit."""
    CaseNotice.objects.get_or_create(
        key=f"case-{case_id}-{kind}-{event_id}",
        defaults={"case_id": case_id, "kind": kind, "event_id": event_id},
    )
    enqueue_on_commit(NOTICE_TASK, case_id, kind, event_id)


def _claim(case_id: int, kind: str, event_id: int) -> CaseNotice | None:
    """This worker's claim on the notice: pending, or claimed by a worker that stopped
    answering; None when another has it or it went out."""
    notice, _new = CaseNotice.objects.get_or_create(  # a task queued before the outbox
        key=f"case-{case_id}-{kind}-{event_id}",
        defaults={"case_id": case_id, "kind": kind, "event_id": event_id},
    )
    now = timezone.now()
    stale = now - timedelta(minutes=settings.NOTICE_STALE_MINUTES)
    # (a held notice's ``due_at`` only keeps the sweep from queueing it early: whoever runs
    # it checks the customer's hours again)
    claimable = Q(state=CaseNotice.State.PENDING)
    claimable |= Q(state=CaseNotice.State.CLAIMED, claimed_at__lte=stale)
    took = CaseNotice.objects.filter(claimable, pk=notice.pk).update(
        state=CaseNotice.State.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
    )
    return notice if took else None


def _settle(notice: CaseNotice, state: str, **fields: object) -> None:
    CaseNotice.objects.filter(pk=notice.pk).update(state=state, **fields)


def case_notices_sweep(*, stale_minutes: float | None = None) -> int:
    """Queue again the notices a lost task or a killed worker left: pending for longer than
    a task takes to start, or claimed by a worker that stopped (periodic, every minute)."""
    now = timezone.now()
    minutes = settings.NOTICE_STALE_MINUTES if stale_minutes is None else stale_minutes
    stale = now - timedelta(minutes=minutes)
    due = Q(due_at__isnull=True) | Q(due_at__lte=now)
    left = CaseNotice.objects.filter(
        (Q(state=CaseNotice.State.PENDING, created_at__lte=stale) & due)
        | Q(state=CaseNotice.State.CLAIMED, claimed_at__lte=stale),
        attempts__lt=NOTICE_MAX_ATTEMPTS,
    ).order_by("pk")[:1000]
    from django.utils.module_loading import import_string

    task = import_string(NOTICE_TASK)
    count = 0
    for notice in left:
        task.enqueue(notice.case_id, notice.kind, notice.event_id)
        count += 1
    return count


def case_notify(*, case_id: int, kind: str, event_id: int = 0) -> Interaction | None:
    """Send the notice of one step of a case (idempotent: a step is notified once).

    ``kind`` is "opened" (the receipt with protocol and tracking code) or "transition".
    """
    external_id = f"case-{case_id}-{kind}-{event_id}"
    notice = _claim(case_id, kind, event_id)
    if notice is None:
        return None
    if Interaction.objects.filter(external_id=external_id).exists():
        _settle(notice, CaseNotice.State.SENT)
        return None
    case = Case.objects.select_related("party", "status", "case_type").filter(pk=case_id).first()
    if case is None:
        return None
    event = CaseEvent.objects.filter(pk=event_id).first() if event_id else None
    route = notice_route(case.party)
    if route is None:
        with transaction.atomic():
            add_event(
                case,
                CaseEvent.Kind.NOTICE_SENT,
                summary="no contact point to notify",
                data={"kind": kind, "delivered": False},
            )
            _settle(notice, CaseNotice.State.DROPPED)
        return None
    sender_channel, channel, network, address = route
    held = None if kind == "opened" else _held(case, sender_channel, address, kind, event_id)
    if held is not None:
        _settle(notice, CaseNotice.State.PENDING, due_at=held)
        return None  # outside the customer's contact hours: sent when they open
    with translation.override(_language(case.party)):
        subject, body = _compose(case, kind, event)
    try:
        message_id = send_once(
            sender_for(sender_channel), key=external_id, to=address, subject=subject, body=body
        )
    except Exception:
        _settle(notice, CaseNotice.State.PENDING)  # the sweep tries again
        raise
    with transaction.atomic():
        recorded = interaction_record(
            actor=None,
            data={
                "channel": channel,
                "network": network,
                "direction": "out",
                "subject": subject[:300],
                "body": body,
                "outcome": "sent",
                "external_id": external_id,
                "regarding_type": CASE_REGARDING,
                "regarding_id": case.pk,
            },
            party_id=case.party_id,
            address=address,
        )
        if recorded.created:
            add_event(
                case,
                CaseEvent.Kind.NOTICE_SENT,
                public=False,
                summary=f"{sender_channel}: {subject}",
                data={
                    "kind": kind,
                    "channel": sender_channel,
                    "message_id": message_id,
                    "interaction_id": recorded.interaction.pk,
                },
            )
        _settle(notice, CaseNotice.State.SENT, sent_at=timezone.now(), message_id=message_id)
    return recorded.interaction


def case_notice_delivery(*, message_id: str, status: str) -> int | None:
    """A provider's delivery report (delivered, read, failed...) for a notice sent with
    ``message_id``: kept on the case's notice event (``data["delivery"]``) so the case shows
    whether the customer got it. Returns the notice's interaction id, or None when no notice
    was sent with that id."""
    with transaction.atomic():
        event = (
            CaseEvent.objects.select_for_update()
            .filter(kind=CaseEvent.Kind.NOTICE_SENT, data__message_id=message_id)
            .order_by("-id")
            .first()
        )
        if event is None:
            return None
        event.data = {**event.data, "delivery": status}
        event.save(update_fields=["data"])
        interaction_id = event.data.get("interaction_id")
    return int(interaction_id) if interaction_id else None

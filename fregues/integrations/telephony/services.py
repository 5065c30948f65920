"""Telephony writes: call events from the telephony system, dismissing a screen-pop,
placing a call (click-to-call) and mapping extensions to agents."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, NotFound
from fregues.core.events import event_emit
from fregues.core.permissions import require
from fregues.interactions.services.records import interaction_record
from fregues.parties.models import Party
from fregues.parties.normalize import try_phone
from fregues.parties.selectors import contact_point_find, party_survivor_id

from ..models import AgentExtension, Call, CallDirection, CallEvent, CallState

# every field of the call but the bookkeeping ones
CALL_AUDIT_FIELDS = tuple(
    f.name
    for f in Call._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "dismissed_at"}
)
FINAL_STATES = {CallState.ENDED, CallState.MISSED}
EVENT_KINDS = (CallState.RINGING, CallState.ANSWERED, CallState.ENDED, CallState.MISSED)


@dataclass
class CallEventResult:
    call: Call
    created: bool  # False: the same event for the same call was received before


def _clean_event(data: dict[str, Any]) -> dict[str, Any]:
    errors = ErrorCollector()
    out: dict[str, Any] = {}
    kind = str(data.get("event") or "").strip().lower()
    if kind not in EVENT_KINDS:
        errors.add(
            "event",
            _("Unknown call event '%(v)s'. Choose one of: %(c)s.")
            % {"v": kind, "c": ", ".join(EVENT_KINDS)},
        )
    out["kind"] = kind
    call_id = str(data.get("call_id") or "").strip()
    if not call_id:
        errors.add("call_id", _("Give the telephony system's call id."))
    elif len(call_id) > 200:
        errors.add("call_id", _("At most %(n)s characters.") % {"n": 200})
    out["call_id"] = call_id
    direction = str(data.get("direction") or "in").strip().lower()
    direction = {"inbound": "in", "outbound": "out"}.get(direction, direction)
    if direction not in CallDirection.values:
        errors.add("direction", _("Direction is 'inbound' or 'outbound'."))
    out["direction"] = direction
    for name, size in (("from", 60), ("to", 60), ("extension", 40), ("agent", 150)):
        value = str(data.get(name) or "").strip()
        if len(value) > size:
            errors.add(name, _("At most %(n)s characters.") % {"n": size})
        out[name] = value
    out["occurred_at"] = _when(data.get("occurred_at"), errors)
    recording = str(data.get("recording_url") or "").strip()
    if recording:
        try:
            URLValidator(schemes=["http", "https"])(recording)
        except ValidationError:
            errors.add("recording_url", _("The recording link must be an http(s) address."))
        if len(recording) > 1000:
            errors.add("recording_url", _("At most %(n)s characters.") % {"n": 1000})
    out["recording_url"] = recording
    duration = data.get("duration_seconds")
    if duration is not None and (
        not isinstance(duration, int) or isinstance(duration, bool) or not 0 <= duration <= 86400
    ):
        errors.add("duration_seconds", _("Duration is a number of seconds (0 to 86400)."))
    out["duration_seconds"] = duration
    errors.raise_if_any()
    return out


def _when(value: Any, errors: ErrorCollector) -> datetime.datetime:
    """The event's time (a datetime, or ISO 8601 text from a direct caller); now if absent."""
    when = value if isinstance(value, datetime.datetime) else None
    if value and when is None:
        when = parse_datetime(str(value))
        if when is None:
            errors.add("occurred_at", _("Use an ISO 8601 date and time."))
    when = when or timezone.now()
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def _agent_id(extension: str, username: str) -> int | None:
    """The user a call rings for: by extension first, else by username."""
    if extension:
        found = (
            AgentExtension.objects.filter(extension=extension)
            .values_list("user_id", flat=True)
            .first()
        )
        if found:
            return found
    if username:
        return (
            get_user_model()
            .objects.filter(username=username, is_active=True)
            .values_list("pk", flat=True)
            .first()
        )
    return None


def caller_party_id(number: str) -> int | None:
    """The party holding ``number`` (any written form) as a phone, found by identity
    resolution's own normalisation and index; None for an unknown or withheld number."""
    e164 = try_phone(number) if number else None
    if e164 is None:
        return None
    point = contact_point_find(kind="phone", network="", normalized=e164)
    return point.party_id if point is not None else None


def _call_for_update(fields: dict[str, Any]) -> tuple[Call, bool]:
    """The call's row, locked; created from this event when it is the first one heard."""
    call = Call.objects.select_for_update().filter(external_id=fields["call_id"]).first()
    if call is not None:
        return call, False
    e164_from = try_phone(fields["from"]) if fields["from"] else None
    e164_to = try_phone(fields["to"]) if fields["to"] else None
    try:
        with transaction.atomic():
            call = Call.objects.create(
                external_id=fields["call_id"],
                direction=fields["direction"],
                from_number=e164_from or fields["from"],
                to_number=e164_to or fields["to"],
                extension=fields["extension"],
                agent_id=_agent_id(fields["extension"], fields["agent"]),
                state=CallState.RINGING,
                started_at=fields["occurred_at"],
            )
    except IntegrityError:  # the same call's first event delivered twice at once
        return Call.objects.select_for_update().get(external_id=fields["call_id"]), False
    return call, True


def _apply(call: Call, kind: str, fields: dict[str, Any]) -> None:
    """Move the call by one event. Events may come late or out of order: a call that ended
    never goes back to ringing or answered."""
    at = fields["occurred_at"]
    if call.agent_id is None and (fields["extension"] or fields["agent"]):
        call.extension = call.extension or fields["extension"]
        call.agent_id = _agent_id(fields["extension"], fields["agent"])
    if call.party_id is None:
        call.party_id = caller_party_id(call.caller_number)
    if kind == CallState.RINGING:
        if call.state in (CallState.REQUESTED, CallState.RINGING):
            call.state = CallState.RINGING
            call.started_at = min(call.started_at, at)
    elif kind == CallState.ANSWERED:
        call.answered_at = call.answered_at or at
        if call.state not in FINAL_STATES:
            call.state = CallState.ANSWERED
    else:
        call.ended_at = call.ended_at or at
        call.recording_url = fields["recording_url"] or call.recording_url
        duration = fields["duration_seconds"]
        if duration is None:
            duration = (
                int((call.ended_at - call.answered_at).total_seconds()) if call.answered_at else 0
            )
        call.duration_seconds = max(0, min(duration, 86400))
        answered = kind == CallState.ENDED and (call.answered_at or call.duration_seconds)
        call.state = CallState.ENDED if answered else CallState.MISSED


def _timeline_record(call: Call) -> None:
    """The ended call on the customer's timeline, once (the interaction's external id is the
    call id). A caller nobody knows becomes a suspect through identity resolution, as on every
    channel; a withheld number leaves the call on the calls screen only."""
    number = try_phone(call.caller_number) if call.caller_number else None
    if call.party_id is None and number is None:
        return
    inbound = call.direction == CallDirection.INBOUND
    shown = call.caller_number
    subject = (_("Call from %(n)s") if inbound else _("Call to %(n)s")) % {"n": shown}
    body = _("Recording: %(url)s") % {"url": call.recording_url} if call.recording_url else ""
    recorded = interaction_record(
        actor=None,
        data={
            "channel": "phone",
            "direction": call.direction,
            "occurred_at": call.started_at,
            "duration_seconds": call.duration_seconds or 0,
            "subject": subject[:300],
            "body": body,
            "outcome": "answered" if call.state == CallState.ENDED else "missed",
            "external_id": call.external_id,
            "agent_id": call.agent_id,
        },
        party_id=call.party_id,
        address=number or "",
    )
    call.interaction = recorded.interaction
    call.party_id = recorded.interaction.party_id


def call_event_record(*, actor: Any, data: dict[str, Any]) -> CallEventResult:
    """Take one event from the telephony system (``ringing``, ``answered``, ``ended``,
    ``missed``) for a call.

    Each (call id, event) is taken once: a repeat answers ``created=False`` and changes
    nothing. On ringing the caller is looked up by phone so the agent's screen can pop their
    page; on ended or missed the call is written on the caller's timeline. The interface has
    already checked the telephony system's signature; ``actor`` is None (the system).
    """
    fields = _clean_event(data)
    kind = fields["kind"]
    with transaction.atomic():
        call, new = _call_for_update(fields)
        if not new and CallEvent.objects.filter(call=call, kind=kind).exists():
            return CallEventResult(call, created=False)
        before = {} if new else snapshot(call, CALL_AUDIT_FIELDS)
        CallEvent.objects.create(
            call=call,
            kind=kind,
            occurred_at=fields["occurred_at"],
            payload={k: v for k, v in data.items() if isinstance(v, str | int | float | None)},
        )
        _apply(call, kind, fields)
        if call.state in FINAL_STATES and call.interaction_id is None:
            _timeline_record(call)
        call.save()
        after = snapshot(call, CALL_AUDIT_FIELDS)
        audit_record(
            actor=actor,
            action="create" if new else "update",
            instance=call,
            party_id=call.party_id,
            summary=f"call {call.external_id}: {kind}"[:300],
            changes=after if new else diff(before, after),
        )
        event_emit(
            f"call.{kind}",
            {
                "call_id": call.pk,
                "external_id": call.external_id,
                "state": call.state,
                "party_id": call.party_id,
                "agent_id": call.agent_id,
                "interaction_id": call.interaction_id,
            },
        )
    return CallEventResult(call, created=True)


def call_dismiss(*, actor: Any, call_id: int) -> None:
    """Close the agent's screen-pop for this call (and any older one still showing)."""
    require(actor, "call.view")
    with transaction.atomic():
        call = Call.objects.filter(pk=call_id, agent_id=getattr(actor, "pk", None)).first()
        if call is None:
            raise NotFound(_("No such call on your screen."), details={"id": call_id})
        now = timezone.now()
        Call.objects.filter(
            agent_id=call.agent_id, dismissed_at__isnull=True, started_at__lte=call.started_at
        ).update(dismissed_at=now)
        audit_record(
            actor=actor,
            action="update",
            instance=call,
            party_id=call.party_id,
            summary=f"call {call.external_id}: pop-up dismissed",
            changes={"dismissed_at": [None, now.isoformat()]},
        )


@dataclass
class Placed:
    call: Call
    url: str  # where the agent's browser goes to dial (tel:… by default)


def call_place(*, actor: Any, party_id: int, number: str) -> Placed:
    """Place a call to a customer from Freguês (click-to-call).

    The intent is recorded as an outbound call in state "requested", then handed to the
    dialler of ``settings.DIALLER`` (``fregues.integrations.telephony.dialler``): the default
    opens the agent's softphone by a ``tel:`` link; a PBX adapter originates the call and its
    events come back through the CTI webhook.
    """
    require(actor, "call.place")
    errors = ErrorCollector()
    e164 = try_phone(number or "")
    if e164 is None:
        errors.add("number", _("'%(v)s' is not a phone number.") % {"v": number})
    party = Party.objects.filter(pk=party_id).only("pk", "merged_into_id").first()
    if party is None:
        raise NotFound(
            _("Party %(id)s does not exist.") % {"id": party_id}, details={"id": party_id}
        )
    errors.raise_if_any()
    assert e164 is not None
    target_id = party_survivor_id(party.pk) if party.merged_into_id else party.pk
    extension = (
        AgentExtension.objects.filter(user_id=actor.pk).values_list("extension", flat=True).first()
        if getattr(actor, "pk", None)
        else None
    )
    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            external_id=f"fregues-{uuid.uuid4().hex}",
            direction=CallDirection.OUTBOUND,
            to_number=e164,
            extension=extension or "",
            agent_id=getattr(actor, "pk", None),
            state=CallState.REQUESTED,
            started_at=now,
            party_id=target_id,
            dismissed_at=now,  # no screen-pop for a call the agent is placing
        )
        audit_record(
            actor=actor,
            action="create",
            instance=call,
            party_id=target_id,
            summary=f"call {e164} requested",
            changes=snapshot(call, CALL_AUDIT_FIELDS),
        )
        event_emit(
            "call.requested",
            {"call_id": call.pk, "external_id": call.external_id, "party_id": target_id},
        )
    dialler = import_string(settings.DIALLER)()
    return Placed(call, dialler.place(call))


def agent_extension_set(*, actor: Any, user_id: int, extension: str) -> AgentExtension | None:
    """Say which extension rings ``user_id`` (an empty one removes it)."""
    require(actor, "channel.configure")
    extension = (extension or "").strip()
    errors = ErrorCollector()
    if len(extension) > 40:
        errors.add("extension", _("At most %(n)s characters.") % {"n": 40})
    if not get_user_model().objects.filter(pk=user_id).exists():
        errors.add("user_id", _("User %(id)s does not exist.") % {"id": user_id})
    taken = AgentExtension.objects.filter(extension=extension).exclude(user_id=user_id)
    if extension and taken.exists():
        errors.add("extension", _("Extension %(e)s already rings someone else.") % {"e": extension})
    errors.raise_if_any()
    with transaction.atomic():
        current = AgentExtension.objects.filter(user_id=user_id).first()
        before = current.extension if current else ""
        if not extension:
            if current:
                current.delete()
            result = None
        else:
            result, _created = AgentExtension.objects.update_or_create(
                user_id=user_id, defaults={"extension": extension}
            )
        audit_record(
            actor=actor,
            action="update",
            entity_type="integrations.agentextension",
            entity_id=user_id,
            summary=f"extension of user {user_id}: {extension or '-'}",
            changes={"extension": [before, extension]},
        )
    return result

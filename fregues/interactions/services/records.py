"""Recording contacts on every channel, identifying who is behind them."""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, snapshot
from fregues.core.errors import ErrorCollector, Invalid, NotFound
from fregues.core.events import event_emit
from fregues.core.models import AuditEntry
from fregues.core.permissions import require
from fregues.parties.models import ContactPoint, Party
from fregues.parties.normalize import SOCIAL_NETWORKS, normalize_network
from fregues.parties.selectors import party_survivor_id
from fregues.parties.services import party_resolve
from fregues.parties.services.contact_points import clean_contact_point
from fregues.parties.services.resolve import address_kind

from ..models import Attachment, Channel, Direction, Interaction

INTERACTION_AUDIT_FIELDS = (
    "party",
    "channel",
    "network",
    "direction",
    "occurred_at",
    "agent",
    "subject",
    "outcome",
    "duration_seconds",
    "channel_address",
    "external_id",
    "regarding_type",
    "regarding_id",
)
CLOCK_SKEW = datetime.timedelta(minutes=10)
ADDRESSLESS_CHANNELS = {Channel.LETTER, Channel.VISIT}


@dataclass
class NewAttachment:
    """A file to attach: its name, bytes and (optionally) content type."""

    filename: str
    content: bytes
    content_type: str = ""


@dataclass
class Recorded:
    interaction: Interaction
    created: bool
    party_created: bool


def _clean(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    channel = (data.get("channel") or "").strip().lower()
    if channel not in Channel.values:
        errors.add(
            "channel",
            _("Unknown channel '%(v)s'. Choose one of: %(c)s.")
            % {"v": channel, "c": ", ".join(Channel.values)},
        )
    out["channel"] = channel
    direction = (data.get("direction") or "").strip().lower()
    direction = {"inbound": "in", "outbound": "out"}.get(direction, direction)
    if direction not in Direction.values:
        errors.add("direction", _("Direction is 'in' or 'out'."))
    out["direction"] = direction
    network = (data.get("network") or "").strip()
    if channel == Channel.SOCIAL:
        if not network:
            errors.add(
                "network",
                _("Say which social network (%(c)s).") % {"c": ", ".join(SOCIAL_NETWORKS)},
            )
        else:
            try:
                network = normalize_network(network)
            except Invalid as exc:
                errors.add("network", exc.message)
    else:
        network = ""
    out["network"] = network
    occurred = data.get("occurred_at") or timezone.now()
    if isinstance(occurred, str):
        parsed = parse_datetime(occurred)
        if parsed is None:
            errors.add("occurred_at", _("Use an ISO 8601 date and time."))
            parsed = timezone.now()
        occurred = parsed
    if timezone.is_naive(occurred):
        occurred = timezone.make_aware(occurred)
    if occurred > timezone.now() + CLOCK_SKEW:
        errors.add("occurred_at", _("The contact cannot be in the future."))
    out["occurred_at"] = occurred
    duration = data.get("duration_seconds")
    if duration is not None and (
        not isinstance(duration, int) or duration < 0 or duration > 24 * 3600
    ):
        errors.add("duration_seconds", _("Duration is a number of seconds (0 to 86400)."))
    out["duration_seconds"] = duration
    for name, size in (
        ("subject", 300),
        ("outcome", 60),
        ("external_id", 200),
        ("regarding_type", 40),
    ):
        value = (data.get(name) or "").strip()
        if len(value) > size:
            errors.add(name, _("At most %(n)s characters.") % {"n": size})
        out[name] = value
    out["body"] = data.get("body") or ""
    regarding_id = data.get("regarding_id")
    if bool(out["regarding_type"]) != bool(regarding_id):
        errors.add("regarding_id", _("Give both what the contact regards and its id."))
    out["regarding_id"] = regarding_id or None
    agent_id = data.get("agent_id")
    if agent_id and not get_user_model().objects.filter(pk=agent_id).exists():
        errors.add("agent_id", _("User %(id)s does not exist.") % {"id": agent_id})
    out["agent_id"] = agent_id
    return out


def _clean_attachments(files: list[NewAttachment], errors: ErrorCollector) -> None:
    for i, item in enumerate(files):
        if not item.filename:
            errors.add(f"attachments.{i}", _("An attachment needs a file name."))
        if len(item.content) > settings.ATTACHMENT_MAX_BYTES:
            errors.add(
                f"attachments.{i}",
                _("The file is larger than %(n)s MB.")
                % {"n": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            )


def interaction_record(
    *,
    actor: Any,
    data: dict[str, Any],
    party_id: int | None = None,
    address: str = "",
    name: str = "",
    attachments: list[NewAttachment] | None = None,
) -> Recorded:
    """Record one contact on a party's timeline.

    The party is given by id, or found by the channel address (a phone in any format, an
    e-mail, a handle); when no party holds that address a *suspect* is created with it. A
    message redelivered with the same channel and external id is stored once: the second call
    returns the first interaction with ``created=False``.
    """
    require(actor, "interaction.create")
    errors = ErrorCollector()
    fields = _clean(data, errors)
    attachments = attachments or []
    _clean_attachments(attachments, errors)
    address = (address or "").strip()
    if party_id is None and not address:
        errors.add("party_id", _("Give the party, or the address the contact came from."))
    if party_id is None and address and fields["channel"] in ADDRESSLESS_CHANNELS:
        errors.add(
            "address",
            _("A %(c)s has no address to identify the party by: give the party.")
            % {"c": fields["channel"]},
        )
    errors.raise_if_any()

    if fields["external_id"]:
        existing = Interaction.objects.filter(
            channel=fields["channel"], external_id=fields["external_id"]
        ).first()
        if existing:
            return Recorded(existing, created=False, party_created=False)

    with transaction.atomic():
        party_created = False
        contact_point: ContactPoint | None = None
        if party_id is not None:
            party = Party.objects.filter(pk=party_id).first()
            if party is None:
                raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
            if party.merged_into_id:
                party = Party.objects.get(pk=party_survivor_id(party.pk))
            if address:
                contact_point = _matching_point(
                    party, fields["channel"], address, fields["network"]
                )
        else:
            party, contact_point, party_created = party_resolve(
                actor=actor,
                channel=fields["channel"],
                address=address,
                network=fields["network"],
                name=name,
            )
        agent_id = fields.pop("agent_id") or (actor.pk if getattr(actor, "pk", None) else None)
        try:
            with transaction.atomic():
                interaction = Interaction.objects.create(
                    party=party,
                    agent_id=agent_id,
                    channel_address=address[:300],
                    contact_point=contact_point,
                    **fields,
                )
        except IntegrityError:  # the same message delivered twice at the same moment
            existing = Interaction.objects.get(
                channel=fields["channel"], external_id=fields["external_id"]
            )
            return Recorded(existing, created=False, party_created=False)
        for item in attachments:
            _attach(interaction, item)
        audit_record(
            actor=actor,
            action="create",
            instance=interaction,
            party_id=party.pk,
            summary=f"{interaction.get_channel_display()} {interaction.get_direction_display()}: "
            f"{interaction.subject}"[:300],
            changes=snapshot(interaction, INTERACTION_AUDIT_FIELDS),
        )
        event_emit(
            "interaction.recorded",
            {
                "interaction_id": interaction.pk,
                "party_id": party.pk,
                "channel": interaction.channel,
                "direction": interaction.direction,
            },
        )
    return Recorded(interaction, created=True, party_created=party_created)


def _matching_point(party: Party, channel: str, address: str, network: str) -> ContactPoint | None:
    errors = ErrorCollector()
    fields = clean_contact_point(
        {"kind": address_kind(channel, address), "value": address, "network": network}, errors
    )
    if not fields:
        return None
    return ContactPoint.objects.filter(
        party=party, kind=fields["kind"], network=fields["network"], normalized=fields["normalized"]
    ).first()


def _attach(interaction: Interaction, item: NewAttachment) -> Attachment:
    filename = item.filename.replace("/", "_").replace("\\", "_")[:200]
    content_type = item.content_type or mimetypes.guess_type(filename)[0] or ""
    attachment = Attachment(
        interaction=interaction,
        filename=filename,
        content_type=content_type[:120],
        size=len(item.content),
    )
    attachment.file.save(filename, ContentFile(item.content), save=False)
    attachment.save()
    return attachment


def interaction_delete(*, actor: Any, interaction_id: int) -> None:
    """Remove a contact recorded by mistake (admins only); audited with what it was."""
    require(actor, "interaction.delete")
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(f"Interaction {interaction_id} does not exist.")
        before = snapshot(interaction, INTERACTION_AUDIT_FIELDS)
        party_id = interaction.party_id
        for attachment in interaction.attachments.all():
            attachment.file.delete(save=False)
        interaction.delete()
        audit_record(
            actor=actor,
            action="delete",
            entity_type="interactions.interaction",
            entity_id=interaction_id,
            party_id=party_id,
            summary=str(before.get("subject", "")),
            changes=before,
        )
        event_emit("interaction.deleted", {"interaction_id": interaction_id, "party_id": party_id})


def interaction_attach(*, actor: Any, interaction_id: int, attachment: NewAttachment) -> Attachment:
    """Attach one more file to a recorded interaction."""
    require(actor, "interaction.create")
    errors = ErrorCollector()
    _clean_attachments([attachment], errors)
    errors.raise_if_any()
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(f"Interaction {interaction_id} does not exist.")
        stored = _attach(interaction, attachment)
        audit_record(
            actor=actor,
            action="create",
            instance=stored,
            party_id=interaction.party_id,
            summary=f"attachment {stored.filename}",
        )
    return stored


def interaction_link(
    *, actor: Any, interaction_id: int, regarding_type: str, regarding_id: int
) -> Interaction:
    """Say what an interaction concerns (a case, a deal) after it was recorded."""
    require(actor, "interaction.create")
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().filter(pk=interaction_id).first()
        if interaction is None:
            raise NotFound(f"Interaction {interaction_id} does not exist.")
        before = [interaction.regarding_type, interaction.regarding_id]
        if before == [regarding_type, regarding_id]:
            return interaction
        interaction.regarding_type = regarding_type
        interaction.regarding_id = regarding_id
        interaction.save(update_fields=["regarding_type", "regarding_id", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=interaction,
            party_id=interaction.party_id,
            summary=f"linked to {regarding_type} {regarding_id}",
            changes={"regarding": [before, [regarding_type, regarding_id]]},
        )
    return interaction


def interaction_record_many(
    *, actor: Any, rows: list[dict[str, Any]], batch_size: int = 1000
) -> dict[str, int]:
    """Record many contacts of known parties at once (importers, the demo loader).

    The same rules as ``interaction_record`` for every row, all checked before anything is
    written (one bad row rejects the batch, naming the row); one audit entry per contact;
    rows whose channel + external id were already delivered are skipped, so running the same
    batch twice changes nothing.
    """
    require(actor, "interaction.create")
    errors = ErrorCollector()
    cleaned: list[dict[str, Any]] = []
    agent_ids: set[int] = set()
    for i, row in enumerate(rows):
        row_errors = ErrorCollector()
        fields = _clean({**row, "agent_id": None}, row_errors)
        if not row.get("party_id"):
            row_errors.add("party_id", _("Give the party."))
        for field, messages in row_errors.errors.items():
            for message in messages:
                errors.add(f"rows.{i}.{field}", message)
        fields.pop("agent_id", None)
        fields["party_id"] = row.get("party_id")
        fields["agent_id"] = row.get("agent_id") or (
            actor.pk if getattr(actor, "pk", None) else None
        )
        if fields["agent_id"]:
            agent_ids.add(fields["agent_id"])
        cleaned.append(fields)
    party_ids = {f["party_id"] for f in cleaned if f["party_id"]}
    live = set(
        Party.objects.filter(pk__in=party_ids, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    known_agents = set(
        get_user_model().objects.filter(pk__in=agent_ids).values_list("pk", flat=True)
    )
    for i, fields in enumerate(cleaned):
        if fields["party_id"] and fields["party_id"] not in live:
            errors.add(
                f"rows.{i}.party_id", _("Party %(id)s does not exist.") % {"id": fields["party_id"]}
            )
        if fields["agent_id"] and fields["agent_id"] not in known_agents:
            errors.add(
                f"rows.{i}.agent_id", _("User %(id)s does not exist.") % {"id": fields["agent_id"]}
            )
    errors.raise_if_any(_("Some rows are not valid; nothing was recorded."))
    keys = {(f["channel"], f["external_id"]) for f in cleaned if f["external_id"]}
    delivered = (
        set(
            Interaction.objects.filter(
                channel__in={c for c, _e in keys}, external_id__in={e for _c, e in keys}
            ).values_list("channel", "external_id")
        )
        if keys
        else set()
    )
    fresh, seen = [], set()
    for fields in cleaned:
        key = (fields["channel"], fields["external_id"])
        if fields["external_id"] and (key in delivered or key in seen):
            continue
        seen.add(key)
        fresh.append(fields)
    with transaction.atomic():
        created = Interaction.objects.bulk_create(
            [Interaction(**fields) for fields in fresh], batch_size=batch_size
        )
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=actor if getattr(actor, "pk", None) else None,
                    actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
                    action="create",
                    entity_type="interactions.interaction",
                    entity_id=item.pk,
                    party_id=item.party_id,
                    summary=f"{item.channel} {item.direction}: {item.subject}"[:300],
                )
                for item in created
            ],
            batch_size=batch_size,
        )
        if created:
            event_emit("interactions.imported", {"count": len(created)})
    return {"created": len(created), "skipped": len(cleaned) - len(fresh)}

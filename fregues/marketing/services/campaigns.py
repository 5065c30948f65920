"""Campaigns: write one (name, channel, purpose, audience, the text per language), try it on
one's own address, schedule it, pause, resume or cancel it.

Planning (who gets it, who is skipped and why) is in ``campaign_planning``; sending, in
throttled slices that never send anyone twice, in ``campaign_sending``; unsubscribe, clicks
and bounces in ``campaign_tracking``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.parties.models import ConsentPurpose
from fregues.sales.services.common import check_version, locked, user_or_none

from ..models import Campaign, CampaignMessage, CampaignStatus, Segment, SegmentSnapshot
from .campaign_templates import template_problems

LANGUAGES = tuple(code for code, _label in settings.LANGUAGES)  # pt-br, pt-pt, en
CHANNELS = ("email", "sms")
CAMPAIGN_FIELDS = (
    "name",
    "channel",
    "purpose",
    "segment",
    "snapshot",
    "default_language",
    "scheduled_at",
    "throttle_per_minute",
    "conversion_days",
    "offer_product_id",
)


def _clean_fields(
    data: dict[str, Any], errors: ErrorCollector, campaign: Campaign | None
) -> dict[str, Any]:
    """The campaign's own fields from ``data`` (only the keys present on an update)."""
    out: dict[str, Any] = {}
    creating = campaign is None

    def given(key: str) -> bool:
        return creating or key in data

    if given("name"):
        name = (data.get("name") or "").strip()
        if not name:
            errors.add("name", _("Give the campaign a name."))
        elif len(name) > 150:
            errors.add("name", _("At most %(n)s characters.") % {"n": 150})
        out["name"] = name
    channel = campaign.channel if campaign else "email"
    if given("channel"):
        channel = (data.get("channel") or "email").strip().lower()
        if channel not in CHANNELS:
            errors.add("channel", _("Channel is one of: %(c)s.") % {"c": ", ".join(CHANNELS)})
        out["channel"] = channel
    if given("purpose") or "channel" in out:
        code = data.get("purpose") if "purpose" in data or creating else campaign.purpose.code  # type: ignore[union-attr]
        code = code or ("marketing_email" if channel == "email" else "marketing_messages")
        purpose = ConsentPurpose.objects.filter(code=code, is_active=True).first()
        if purpose is None:
            errors.add("purpose", _("No active purpose “%(p)s”.") % {"p": code})
        elif channel not in (purpose.channels or []):
            errors.add(
                "purpose",
                _("The purpose “%(p)s” does not cover the channel %(c)s.")
                % {"p": purpose.code, "c": channel},
            )
        else:
            out["purpose"] = purpose
    if given("segment_id") or given("snapshot_id"):
        segment_id = data.get("segment_id") if "segment_id" in data or creating else None
        snapshot_id = data.get("snapshot_id") if "snapshot_id" in data or creating else None
        if campaign is not None:
            segment_id = segment_id if "segment_id" in data else campaign.segment_id
            snapshot_id = snapshot_id if "snapshot_id" in data else campaign.snapshot_id
        snap = SegmentSnapshot.objects.filter(pk=snapshot_id).first() if snapshot_id else None
        if snapshot_id and snap is None:
            errors.add("snapshot_id", _("Snapshot %(id)s does not exist.") % {"id": snapshot_id})
        segment = Segment.objects.filter(pk=segment_id).first() if segment_id else None
        if segment_id and segment is None:
            errors.add("segment_id", _("Segment %(id)s does not exist.") % {"id": segment_id})
        if not segment_id and not snapshot_id:
            errors.add("segment_id", _("Choose the segment (or a snapshot) to send to."))
        if snap is not None:
            segment = snap.segment
        out["segment"], out["snapshot"] = segment, snap
    if given("default_language"):
        language = (data.get("default_language") or "pt-br").strip().lower()
        if language not in LANGUAGES:
            errors.add(
                "default_language", _("Language is one of: %(c)s.") % {"c": ", ".join(LANGUAGES)}
            )
        out["default_language"] = language
    for key, low, high, default in (
        ("throttle_per_minute", 1, 100_000, 600),
        ("conversion_days", 0, 365, 30),
    ):
        if given(key):
            value = data.get(key)
            value = default if value in (None, "") else value
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = -1
            if not low <= number <= high:
                errors.add(key, _("A whole number from %(a)s to %(b)s.") % {"a": low, "b": high})
            out[key] = number
    if given("offer_product_id"):
        product_id = data.get("offer_product_id") or None
        if product_id is not None:
            from fregues.sales.models import Product

            if not Product.objects.filter(pk=product_id).exists():
                errors.add(
                    "offer_product_id", _("Product %(id)s does not exist.") % {"id": product_id}
                )
        out["offer_product_id"] = product_id
    if "scheduled_at" in data:
        out["scheduled_at"] = data.get("scheduled_at") or None
    return out


def _clean_messages(
    messages: Any, channel: str, default_language: str, errors: ErrorCollector
) -> list[dict[str, str]]:
    """The texts per language: one per language at most, the default language's required, a
    subject on e-mail, a body that compiles within the allowed vocabulary."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(messages or []):
        item = item if isinstance(item, dict) else dict(item)
        language = (item.get("language") or "").strip().lower()
        subject = (item.get("subject") or "").strip()
        body = item.get("body") or ""
        if language not in LANGUAGES:
            errors.add(
                f"messages.{i}.language",
                _("Language is one of: %(c)s.") % {"c": ", ".join(LANGUAGES)},
            )
        elif language in seen:
            errors.add(f"messages.{i}.language", _("One text per language."))
        seen.add(language)
        if channel == "email" and not subject:
            errors.add(f"messages.{i}.subject", _("An e-mail needs a subject."))
        if len(subject) > 200:
            errors.add(f"messages.{i}.subject", _("At most %(n)s characters.") % {"n": 200})
        if not body.strip():
            errors.add(f"messages.{i}.body", _("Write the message."))
        for field, text in (("subject", subject), ("body", body)):
            for problem in template_problems(text):
                errors.add(f"messages.{i}.{field}", problem)
        out.append({"language": language, "subject": subject, "body": body})
    if default_language not in seen:
        errors.add(
            "messages",
            _("Write the text in the default language (%(l)s).") % {"l": default_language},
        )
    return out


def _write_messages(campaign: Campaign, messages: list[dict[str, str]]) -> None:
    keep = {m["language"] for m in messages}
    campaign.messages.exclude(language__in=keep).delete()
    for message in messages:
        CampaignMessage.objects.update_or_create(
            campaign=campaign,
            language=message["language"],
            defaults={"subject": message["subject"], "body": message["body"]},
        )


def _messages_snapshot(campaign: Campaign) -> list[list[str]]:
    return [[m.language, m.subject, m.body] for m in campaign.messages.order_by("language")]


def campaign_create(*, actor: Any, data: dict[str, Any]) -> Campaign:
    """A new draft campaign. ``data``: name, channel (email|sms), purpose (code of an active
    purpose covering the channel; the channel's marketing purpose when empty), segment_id or
    snapshot_id, default_language, throttle_per_minute, conversion_days, offer_product_id,
    scheduled_at, messages ``[{language, subject, body}]``. Bad input is a 422, nothing
    written."""
    require(actor, "campaign.change")
    errors = ErrorCollector()
    fields = _clean_fields(data, errors, None)
    messages = _clean_messages(
        data.get("messages"),
        fields.get("channel", "email"),
        fields.get("default_language", "pt-br"),
        errors,
    )
    errors.raise_if_any()
    with transaction.atomic():
        campaign = Campaign.objects.create(**fields, created_by=user_or_none(actor))
        _write_messages(campaign, messages)
        audit_record(
            actor=actor,
            action="create",
            instance=campaign,
            summary=_("Campaign %(name)s created") % {"name": campaign.name},
            changes={
                **snapshot(campaign, CAMPAIGN_FIELDS),
                "messages": _messages_snapshot(campaign),
            },
        )
    return campaign


def campaign_update(
    *, actor: Any, campaign_id: int, data: dict[str, Any], version: int | None = None
) -> Campaign:
    """Change a campaign that has not started sending (draft, scheduled or paused): only the
    keys present in ``data``; ``messages``, when given, replaces all the texts. A stale
    ``version`` is a 409."""
    require(actor, "campaign.change")
    errors = ErrorCollector()
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        check_version(campaign, version)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise Conflict(
                _("A campaign that started sending cannot be changed."), code="campaign_started"
            )
        fields = _clean_fields(data, errors, campaign)
        channel = fields.get("channel", campaign.channel)
        default_language = fields.get("default_language", campaign.default_language)
        messages = None
        if "messages" in data:
            messages = _clean_messages(data.get("messages"), channel, default_language, errors)
        elif "channel" in fields or "default_language" in fields:
            current = [
                {"language": m.language, "subject": m.subject, "body": m.body}
                for m in campaign.messages.all()
            ]
            _clean_messages(current, channel, default_language, errors)
        errors.raise_if_any()
        before = {**snapshot(campaign, CAMPAIGN_FIELDS), "messages": _messages_snapshot(campaign)}
        for key, value in fields.items():
            setattr(campaign, key, value)
        if messages is not None:
            _write_messages(campaign, messages)
        after = {**snapshot(campaign, CAMPAIGN_FIELDS), "messages": _messages_snapshot(campaign)}
        changed = diff(before, after)
        if not changed:
            return campaign
        campaign.version += 1
        campaign.save()
        audit_record(
            actor=actor,
            action="update",
            instance=campaign,
            summary=_("Campaign %(name)s changed") % {"name": campaign.name},
            changes=changed,
        )
    return campaign


def _set_status(
    actor: Any,
    campaign: Campaign,
    status: str,
    summary: str,
    **fields: Any,
) -> Campaign:
    before = campaign.status
    campaign.status = status
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.version += 1
    campaign.save()
    audit_record(
        actor=actor,
        action="update",
        instance=campaign,
        summary=summary % {"name": campaign.name},
        changes={"status": [before, status], **{k: [None, str(v)] for k, v in fields.items()}},
    )
    return campaign


def campaign_schedule(
    *,
    actor: Any,
    campaign_id: int,
    at: datetime.datetime | None = None,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Campaign:
    """Plan the campaign (who gets it, who is skipped and why) and schedule it for ``at`` (now
    when empty). The periodic task starts it when due."""
    from .campaign_planning import campaign_plan

    require(actor, "campaign.send")
    now = now or timezone.now()
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        check_version(campaign, version)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise Conflict(
                _("Only a draft or scheduled campaign can be scheduled."), code="campaign_started"
            )
        if not campaign.messages.exists():
            raise Invalid.field("messages", _("Write the message first."))
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        campaign_plan(actor=actor, campaign_id=campaign.pk, now=now)
        campaign.refresh_from_db()
        campaign = _set_status(
            actor,
            campaign,
            CampaignStatus.SCHEDULED,
            _("Campaign %(name)s scheduled"),
            scheduled_at=at or now,
        )
        if at is None or at <= now:  # start now, not at the next tick of the periodic task
            from ..tasks import campaigns_due_task

            transaction.on_commit(campaigns_due_task.enqueue)
        return campaign


def campaign_pause(*, actor: Any, campaign_id: int) -> Campaign:
    """Stop sending after the message in flight; resume continues where it stopped."""
    require(actor, "campaign.send")
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        if campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
            raise Conflict(_("Only a scheduled or sending campaign can be paused."))
        return _set_status(actor, campaign, CampaignStatus.PAUSED, _("Campaign %(name)s paused"))


def campaign_resume(*, actor: Any, campaign_id: int) -> Campaign:
    """Continue a paused campaign. A recipient left claimed by a worker that died is marked
    failed ("interrupted: delivery unknown") and never sent again."""
    from .campaign_sending import recover_interrupted

    require(actor, "campaign.send")
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        if campaign.status != CampaignStatus.PAUSED:
            raise Conflict(_("Only a paused campaign can be resumed."))
        recover_interrupted(campaign.pk, older_than=None)
        status = CampaignStatus.SENDING if campaign.started_at else CampaignStatus.SCHEDULED
        campaign = _set_status(actor, campaign, status, _("Campaign %(name)s resumed"))
        if status == CampaignStatus.SENDING:
            from ..tasks import campaign_send_task

            transaction.on_commit(lambda: campaign_send_task.enqueue(campaign.pk))
        return campaign


def campaign_cancel(*, actor: Any, campaign_id: int) -> Campaign:
    """Stop the campaign for good: those not sent yet never get it."""
    require(actor, "campaign.send")
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        if campaign.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
            raise Conflict(_("The campaign is already over."))
        return _set_status(
            actor,
            campaign,
            CampaignStatus.CANCELLED,
            _("Campaign %(name)s cancelled"),
            finished_at=timezone.now(),
        )


def campaign_test_send(*, actor: Any, campaign_id: int, to: str = "", language: str = "") -> str:
    """Send the campaign, marked [TEST], to ``to`` (the actor's own address when empty),
    personalised for a sample member. Not counted, not on any customer's timeline; returns
    the message id."""
    from .campaign_sending import deliver_test

    require(actor, "campaign.change")
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        from fregues.core.errors import NotFound

        raise NotFound(_("Campaign %(id)s does not exist.") % {"id": campaign_id})
    to = (to or getattr(actor, "email", "") or "").strip()
    if not to:
        raise Invalid.field("to", _("Give the address to send the test to."))
    if campaign.channel == "email" and "@" not in to:
        raise Invalid.field("to", _("Give an e-mail address."))
    message_id = deliver_test(campaign, to=to, language=language)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="update",
            instance=campaign,
            summary=(
                _("Campaign %(name)s: test sent to %(to)s") % {"name": campaign.name, "to": to}
            ),
        )
    return message_id

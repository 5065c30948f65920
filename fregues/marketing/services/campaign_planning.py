"""Planning a campaign: who is in the audience, and for each one either where the message
goes (pending, with address and language) or why it does not (skipped, with the reason of
the one check every sender makes, ``fregues.service.services.sending``).

One ``CampaignRecipient`` per member, written in bulk (``COPY`` on PostgreSQL): 100,000 in a
few seconds. Idempotent: planning again replaces the rows not yet sent (pending and skipped,
re-evaluated now) and never touches those claimed, sent, failed or bounced.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.bulk import bulk_insert, one_of
from fregues.core.permissions import require
from fregues.parties.models import Party
from fregues.sales.services.common import locked
from fregues.service.services.sending import send_verdicts

from ..models import Campaign, CampaignRecipient, RecipientStatus, Segment, SegmentSnapshot
from ..selectors.segments import segment_party_ids

CHUNK = 5000
REPLANNABLE = (RecipientStatus.PENDING, RecipientStatus.SKIPPED)
RECIPIENT_COLUMNS = (
    "campaign_id",
    "party_id",
    "address",
    "language",
    "status",
    "skip_reason",
    "skip_detail",
    "message_id",
    "error",
    "clicks",
)


def _audience_ids(campaign: Campaign, limit: int | None = None) -> list[int]:
    """The party ids the campaign goes to: the snapshot's members (less anyone merged since),
    else the segment's current members (``segment_party_ids``: the rules compiled to one
    query). A segment whose rules are exactly ``{"party_ids": [...]}`` means those parties
    (a list handed over by an integrator or a test). ``limit``: only the first ones (a sample
    for the preview)."""
    source: Segment | SegmentSnapshot | None = campaign.snapshot or campaign.segment
    if source is None:
        return []
    rules = source.rules or {}
    if isinstance(rules, dict) and set(rules) == {"party_ids"} and campaign.snapshot_id is None:
        ids = sorted({int(i) for i in rules["party_ids"]})
        return ids[:limit] if limit else ids
    members = segment_party_ids(source)
    return list(members[:limit]) if limit else list(members.iterator(chunk_size=20_000))


def _languages(party_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(party_ids), CHUNK):
        rows = Party.objects.filter(pk__in=one_of(party_ids[start : start + CHUNK])).values_list(
            "pk", "language"
        )
        found.update(rows)
    return found


def message_language(party_language: str, available: set[str], default: str) -> str:
    """The text a customer gets: theirs when written, else the same language's other variant
    (pt-pt for pt-br), else the campaign's default."""
    language = (party_language or "").lower()
    if language in available:
        return language
    base = language.split("-")[0]
    for candidate in sorted(available):
        if base and candidate.split("-")[0] == base:
            return candidate
    return default if default in available else (sorted(available)[0] if available else default)


def campaign_plan(
    *, actor: Any, campaign_id: int, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Resolve the audience and apply the sending rules; returns ``{"targeted", "pending",
    "skipped", "kept"}`` (kept: rows already claimed or sent, left as they were)."""
    require(actor, "campaign.send")
    now = now or timezone.now()
    with transaction.atomic():
        campaign = locked(Campaign, campaign_id, _("Campaign"))
        audience = _audience_ids(campaign)
        done = set(
            CampaignRecipient.objects.filter(campaign=campaign)
            .exclude(status__in=REPLANNABLE)
            .values_list("party_id", flat=True)
        )
        CampaignRecipient.objects.filter(campaign=campaign, status__in=REPLANNABLE).delete()
        todo = [i for i in audience if i not in done]
        verdicts = send_verdicts(
            party_ids=todo,
            purpose=campaign.purpose.code,
            channel=campaign.channel,
            marketing=True,
            now=now,
        )
        languages = _languages([i for i in todo if verdicts[i].allowed])
        available = set(campaign.messages.values_list("language", flat=True))
        default = campaign.default_language or settings.LANGUAGE_CODE
        chosen: dict[str, str] = {}
        pending = skipped = 0

        def rows() -> Any:
            nonlocal pending, skipped
            for party_id in todo:
                verdict = verdicts[party_id]
                if verdict.allowed:
                    pending += 1
                    party_language = languages.get(party_id, "")
                    language = chosen.get(party_language)
                    if language is None:
                        language = message_language(party_language, available, default)
                        chosen[party_language] = language
                    yield (campaign.pk, party_id, verdict.address[:300], language,
                           "pending", "", "", "", "", 0)  # fmt: skip
                else:
                    skipped += 1
                    yield (campaign.pk, party_id, verdict.address[:300], "",
                           "skipped", verdict.reason, verdict.detail[:200], "", "", 0)  # fmt: skip

        bulk_insert(CampaignRecipient, RECIPIENT_COLUMNS, rows())
        campaign.planned_at = now
        campaign.save(update_fields=["planned_at", "updated_at"])
        counts = {
            "targeted": len(audience),
            "pending": pending,
            "skipped": skipped,
            "kept": len(done),
        }
        audit_record(
            actor=actor,
            action="update",
            instance=campaign,
            summary=_("Campaign %(name)s planned: %(p)s to send, %(s)s skipped")
            % {"name": campaign.name, "p": pending, "s": skipped},
            changes={"planned": counts},
        )
    return counts

"""Why a customer gets nothing: for each marketing purpose and channel, would a campaign reach
them now, and if not, the reason every sender would give (``send_verdicts``, the one check),
plus what the last campaigns did with them.

Answers the question the front line hears ("I never get your offers" / "why did I get this
while my complaint is open?") on the customer page and in ``GET /parties/{id}/reach``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import can, require
from fregues.parties.models import ConsentPurpose, Party
from fregues.service.services.sending import CHANNEL_KINDS, reason_label, send_verdicts

from ..models import CampaignRecipient

LAST_CAMPAIGNS = 5
# The purposes a campaign may be sent under (the rest — notices, profiling — are not reach).
MARKETING_PREFIX = "marketing"


@dataclass(frozen=True)
class ReachLine:
    """One purpose on one channel: reached now (``reason`` empty) or why not."""

    purpose: str
    purpose_name: str
    channel: str
    reached: bool
    address: str
    reason: str
    reason_text: str
    detail: str


@dataclass(frozen=True)
class RecipientLine:
    campaign_id: int
    campaign_name: str
    channel: str
    status: str
    skip_reason: str
    skip_reason_text: str
    skip_detail: str
    sent_at: datetime.datetime | None
    first_clicked_at: datetime.datetime | None
    unsubscribed_at: datetime.datetime | None


@dataclass
class Reach:
    party_id: int
    lines: list[ReachLine] = field(default_factory=list)
    campaigns: list[RecipientLine] | None = None  # None: the reader may not see campaigns

    @property
    def reached_anywhere(self) -> bool:
        return any(line.reached for line in self.lines)


def explain(code: str, detail: str) -> str:
    """The reason as people read it, with its detail: "Open complaint — case 2026-000123"."""
    text = reason_label(code)
    if code == "open_complaint" and detail:
        return _("%(reason)s — case %(protocol)s") % {"reason": text, "protocol": detail}
    return text


def marketing_purposes() -> list[ConsentPurpose]:
    return [
        p
        for p in ConsentPurpose.objects.filter(is_active=True, code__startswith=MARKETING_PREFIX)
        if any(c in CHANNEL_KINDS for c in p.channels or [])
    ]


def party_lookup(*, actor: Any, party_id: int) -> Party:
    """The party (``party.view``), light: no prefetches. Unknown or merged: 404."""
    require(actor, "party.view")
    party = Party.objects.filter(pk=party_id, merged_into__isnull=True).first()
    if party is None:
        raise NotFound(_("Party %(id)s does not exist.") % {"id": party_id})
    return party


def party_reach(
    *,
    actor: Any,
    party_id: int,
    language: str | None = None,
    last: int = LAST_CAMPAIGNS,
    party: Party | None = None,
) -> Reach:
    """Would each marketing purpose/channel reach the customer now, and why not; their last
    campaigns (only for readers who see campaigns). About 6 queries per purpose/channel."""
    require(actor, "consent.view")
    party = party or party_lookup(actor=actor, party_id=party_id)
    reach = Reach(party_id=party.pk)
    for purpose in marketing_purposes():
        for channel in purpose.channels or []:
            if channel not in CHANNEL_KINDS:
                continue
            verdict = send_verdicts(
                party_ids=[party.pk], purpose=purpose.code, channel=channel, marketing=True
            )[party.pk]
            reach.lines.append(
                ReachLine(
                    purpose=purpose.code,
                    purpose_name=purpose.label(language),
                    channel=channel,
                    reached=verdict.allowed,
                    address=verdict.address,
                    reason=verdict.reason,
                    reason_text=explain(verdict.reason, verdict.detail) if verdict.reason else "",
                    detail=verdict.detail,
                )
            )
    if can(actor, "campaign.view"):
        rows = (
            CampaignRecipient.objects.filter(party_id=party.pk)
            .select_related("campaign")
            .order_by("-id")[:last]
        )
        reach.campaigns = [
            RecipientLine(
                campaign_id=r.campaign_id,
                campaign_name=r.campaign.name,
                channel=r.campaign.channel,
                status=r.status,
                skip_reason=r.skip_reason,
                skip_reason_text=explain(r.skip_reason, r.skip_detail) if r.skip_reason else "",
                skip_detail=r.skip_detail,
                sent_at=r.sent_at,
                first_clicked_at=r.first_clicked_at,
                unsubscribed_at=r.unsubscribed_at,
            )
            for r in rows
        ]
    return reach

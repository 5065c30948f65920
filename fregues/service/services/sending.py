"""The one check every sender makes before it sends (campaigns, case notices, channels, the
portal): may we send this customer this message, on this channel, now — and if not, why.

It lives in ``service`` because one of its rules needs the cases (*an open complaint holds
marketing back*, seed 000 case A) and every sender sits at or above this app. The rules, in
the order that names the reason:

1. the customer's record was merged into another (send to the survivor instead);
2. the consent ledger (``fregues.parties``): the latest record of the purpose for the channel,
   else its lawful basis — *no_consent* (never granted) or *consent_withdrawn*;
3. an address on the channel (*no_address*);
4. the global suppression list: a hard bounce stops everything; an unsubscribe, a spam
   complaint or a staff block stop marketing;
5. marketing only: an open case of the types and priorities in the sending policy
   (*open_complaint*), and the frequency cap (*frequency_cap*);
6. not urgent: outside the customer's contact hours (``Party.contact_hours_*``) the message
   may go, but not now: the verdict stays allowed and carries ``not_before`` (the moment the
   customer's window opens) and ``deferral`` *outside_contact_hours*; senders hold it until
   then (campaigns: ``CampaignRecipient.not_before``).

Set-based: ``send_verdicts`` answers for a whole campaign (100,000 customers) with a few
queries per 5,000; ``send_verdict`` is the same for one customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fregues.core.bulk import one_of
from fregues.interactions.models import Interaction
from fregues.parties.contact_hours import next_contact_time
from fregues.parties.models import ConsentPurpose, ContactPoint, Party
from fregues.parties.selectors import consent_latest_many, suppressions_for

from ..models import Case, SendingPolicy

# What an outbound marketing message is on the timeline (the frequency cap counts these).
MARKETING_REGARDING = "marketing.campaign"
CHUNK = 5000

# The channels a sender may ask for, and the contact point kind each needs.
CHANNEL_KINDS = {"email": "email", "sms": "phone", "whatsapp": "phone"}

# Stable reason codes (API, reports) and what people read.
REASONS = {
    "merged": _("The record was merged into another customer."),
    "no_consent": _("No consent for this purpose"),
    "consent_withdrawn": _("Consent withdrawn"),
    "no_address": _("No address on this channel"),
    "suppressed_hard_bounce": _("Address bounced (hard bounce)"),
    "suppressed_unsubscribe": _("Unsubscribed"),
    "suppressed_complaint": _("Marked our message as spam"),
    "suppressed_manual": _("Address blocked by staff"),
    "open_complaint": _("Open complaint"),
    "frequency_cap": _("Frequency cap reached"),
    "outside_contact_hours": _("Outside the customer's contact hours"),
}


def reason_label(code: str) -> str:
    return str(REASONS.get(code, code))


@dataclass(frozen=True)
class Verdict:
    """May we send to this customer? ``reason`` is empty when yes; ``address`` is where."""

    party_id: int
    address: str = ""
    reason: str = ""
    detail: str = ""  # e.g. the open case's protocol
    # allowed, but not before then (outside the customer's contact hours)
    not_before: datetime.datetime | None = None
    deferral: str = ""

    @property
    def allowed(self) -> bool:
        return not self.reason

    @property
    def deferred(self) -> bool:
        """Allowed, but to be held until ``not_before``."""
        return self.allowed and self.not_before is not None

    @property
    def reason_text(self) -> str:
        return reason_label(self.reason) if self.reason else ""


def _addresses(party_ids: list[int], channel: str) -> dict[int, str]:
    """Each party's address on the channel: its primary one, else its oldest."""
    kind = CHANNEL_KINDS[channel]
    found: dict[int, str] = {}
    for start in range(0, len(party_ids), CHUNK):
        chunk = party_ids[start : start + CHUNK]
        if channel == "whatsapp":  # a WhatsApp handle first, else a phone
            rows = (
                ContactPoint.objects.filter(
                    party_id__in=one_of(chunk), kind="social", network="whatsapp"
                )
                .order_by("party_id", "-is_primary", "id")
                .values_list("party_id", "normalized")
            )
            for party_id, address in rows:
                found.setdefault(party_id, address)
        rows = (
            ContactPoint.objects.filter(party_id__in=one_of(chunk), kind=kind)
            .order_by("party_id", "-is_primary", "id")
            .values_list("party_id", "normalized")
        )
        for party_id, address in rows:
            found.setdefault(party_id, address)
    return found


def _merged_and_hours(
    party_ids: list[int],
) -> tuple[set[int], dict[int, tuple[datetime.time | None, datetime.time | None, str]]]:
    """The merged parties, and the contact hours of those who set some (one query a chunk)."""
    merged: set[int] = set()
    hours: dict[int, tuple[datetime.time | None, datetime.time | None, str]] = {}
    with_hours = (
        Q(contact_hours_start__isnull=False)
        | Q(contact_hours_end__isnull=False)
        | ~Q(contact_weekdays="")
    )
    for start in range(0, len(party_ids), CHUNK):
        rows = (
            Party.objects.filter(pk__in=one_of(party_ids[start : start + CHUNK]))
            .filter(Q(merged_into__isnull=False) | with_hours)
            .values_list(
                "pk", "merged_into_id", "contact_hours_start", "contact_hours_end",
                "contact_weekdays",
            )
        )  # fmt: skip
        for party_id, merged_into, opens, closes, weekdays in rows:
            if merged_into is not None:
                merged.add(party_id)
            else:
                hours[party_id] = (opens, closes, weekdays)
    return merged, hours


def _open_complaints(party_ids: list[int], policy: SendingPolicy) -> dict[int, str]:
    """The parties with an open case that holds marketing back: ``{party_id: protocol}``."""
    types = list(policy.complaint_case_types.values_list("pk", flat=True))
    found: dict[int, str] = {}
    for start in range(0, len(party_ids), CHUNK):
        cases = Case.objects.filter(
            party_id__in=one_of(party_ids[start : start + CHUNK]), is_open=True
        )
        if types:
            cases = cases.filter(case_type_id__in=types)
        if policy.complaint_priorities:
            cases = cases.filter(priority__in=policy.complaint_priorities)
        for party_id, protocol in cases.order_by("created_at").values_list("party_id", "protocol"):
            found.setdefault(party_id, protocol)
    return found


def _capped(party_ids: list[int], policy: SendingPolicy, now: datetime.datetime) -> set[int]:
    """The parties who got ``frequency_cap_count`` marketing messages in the last days."""
    if not policy.frequency_cap_count or not policy.frequency_cap_days:
        return set()
    since = now - datetime.timedelta(days=policy.frequency_cap_days)
    capped: set[int] = set()
    for start in range(0, len(party_ids), CHUNK):
        rows = (
            Interaction.objects.filter(
                party_id__in=one_of(party_ids[start : start + CHUNK]),
                direction="out",
                regarding_type=MARKETING_REGARDING,
                occurred_at__gte=since,
            )
            .values("party_id")
            .annotate(n=Count("id"))
            .filter(n__gte=policy.frequency_cap_count)
            .values_list("party_id", flat=True)
        )
        capped.update(rows)
    return capped


def send_verdicts(
    *,
    party_ids: Sequence[int],
    purpose: str,
    channel: str,
    marketing: bool,
    addresses: dict[int, str] | None = None,
    if_unknown: bool = False,
    now: datetime.datetime | None = None,
    urgent: bool = False,
) -> dict[int, Verdict]:
    """Whether each customer may be sent a message for ``purpose`` on ``channel`` (email, sms,
    whatsapp), and where, or why not. ``marketing`` adds the open-complaint rule and the
    frequency cap. ``addresses`` overrides where to send (a test send, a reply to the address
    the customer wrote from). A purpose the company does not define answers ``if_unknown``
    for the consent rule (case notices, under contract, keep sending). Unless ``urgent``, a
    customer outside their contact hours gets an allowed verdict with ``not_before``."""
    if channel not in CHANNEL_KINDS:
        raise ValueError(f"unknown channel {channel!r}")
    now = now or timezone.now()
    ids = list(dict.fromkeys(int(i) for i in party_ids))
    verdicts: dict[int, Verdict] = {}

    merged, hours = _merged_and_hours(ids)
    for party_id in merged:
        verdicts[party_id] = Verdict(party_id, reason="merged")
    live = [i for i in ids if i not in merged]

    found = ConsentPurpose.objects.filter(code=purpose, is_active=True).first()
    if found is None:
        if not if_unknown:
            for party_id in live:
                verdicts[party_id] = Verdict(party_id, reason="no_consent")
            live = []
    else:
        latest = consent_latest_many(party_ids=live, purpose_id=found.pk, channel=channel)
        still: list[int] = []
        for party_id in live:
            said = latest.get(party_id)
            if said is None and found.opt_in:
                verdicts[party_id] = Verdict(party_id, reason="no_consent")
            elif said is False:
                verdicts[party_id] = Verdict(party_id, reason="consent_withdrawn")
            else:
                still.append(party_id)
        live = still

    where = dict(addresses or {})
    missing = [i for i in live if not where.get(i)]
    if missing:
        where.update(_addresses(missing, channel))
    still = []
    for party_id in live:
        if where.get(party_id):
            still.append(party_id)
        else:
            verdicts[party_id] = Verdict(party_id, reason="no_address")
    live = still

    kind = CHANNEL_KINDS[channel]
    suppressed = suppressions_for(kind=kind, addresses=[where[i] for i in live])
    still = []
    for party_id in live:
        reasons = suppressed.get(where[party_id], [])
        if "hard_bounce" in reasons:
            verdicts[party_id] = Verdict(party_id, where[party_id], "suppressed_hard_bounce")
        elif marketing and reasons:
            first = next(r for r in ("complaint", "unsubscribe", "manual") if r in reasons)
            verdicts[party_id] = Verdict(party_id, where[party_id], f"suppressed_{first}")
        else:
            still.append(party_id)
    live = still

    if marketing and live:
        policy = SendingPolicy.current()
        if policy.complaint_rule_enabled:
            complaints = _open_complaints(live, policy)
            for party_id, protocol in complaints.items():
                verdicts[party_id] = Verdict(party_id, where[party_id], "open_complaint", protocol)
            live = [i for i in live if i not in complaints]
        capped = _capped(live, policy, now)
        for party_id in capped:
            verdicts[party_id] = Verdict(party_id, where[party_id], "frequency_cap")
        live = [i for i in live if i not in capped]

    for party_id in live:
        window = None if urgent else hours.get(party_id)
        when = (
            next_contact_time(start=window[0], end=window[1], weekdays=window[2], now=now)
            if window
            else None
        )
        verdicts[party_id] = Verdict(
            party_id,
            where[party_id],
            not_before=when,
            deferral="outside_contact_hours" if when else "",
        )
    return verdicts


def send_verdict(
    *,
    party_id: int,
    purpose: str,
    channel: str,
    marketing: bool,
    address: str = "",
    if_unknown: bool = False,
    now: datetime.datetime | None = None,
    urgent: bool = False,
) -> Verdict:
    """``send_verdicts`` for one customer."""
    return send_verdicts(
        party_ids=[party_id],
        purpose=purpose,
        channel=channel,
        marketing=marketing,
        addresses={party_id: address} if address else None,
        if_unknown=if_unknown,
        now=now,
        urgent=urgent,
    )[party_id]

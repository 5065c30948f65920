"""The consent ledger: recording what a customer granted or withdrew, and the one check every
sender makes before contacting them.

Grants and withdrawals are rows, never updates: the current state is derived from the latest
record (``fregues.parties.selectors.consent_state``). Every sender (case notices, quotes,
campaigns, channels, the portal) asks ``consent_allows`` before it sends; marketing adds its own
suppression rules on top of it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector
from fregues.core.permissions import require

from ..models import ConsentPurpose, ConsentRecord, ConsentSource, Party
from ..selectors import party_survivor_id
from .common import party_event

CLOCK_SKEW = datetime.timedelta(minutes=10)


def _purpose(value: Any, errors: ErrorCollector) -> ConsentPurpose | None:
    text = str(value or "").strip()
    purpose = (
        ConsentPurpose.objects.filter(pk=int(text)).first()
        if text.isdigit()
        else ConsentPurpose.objects.filter(code=text).first()
    )
    if purpose is None or not purpose.is_active:
        codes = ", ".join(
            ConsentPurpose.objects.filter(is_active=True).values_list("code", flat=True)
        )
        errors.add(
            "purpose", _("Unknown purpose '%(v)s'. Choose one of: %(c)s.") % {"v": text, "c": codes}
        )
        return None
    return purpose


def _moment(value: Any, errors: ErrorCollector) -> datetime.datetime:
    if value in (None, ""):
        return timezone.now()
    moment = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if moment is None:
        errors.add("occurred_at", _("Use an ISO 8601 date and time."))
        return timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + CLOCK_SKEW:
        errors.add("occurred_at", _("A consent cannot be given in the future."))
    return moment


def consent_record(
    *,
    actor: Any,
    party_id: int,
    purpose: str | int,
    granted: bool,
    source: str,
    channel: str = "",
    text_version: str = "",
    note: str = "",
    occurred_at: Any = None,
    external_id: str = "",
) -> ConsentRecord:
    """Add a grant (``granted=True``) or a withdrawal to the customer's consent ledger.

    ``channel`` narrows it to one of the purpose's channels (empty: all of them). A record
    sent again with the same ``source`` and ``external_id`` lands once (the first is returned).
    """
    require(actor, "consent.change")
    errors = ErrorCollector()
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        errors.add("party_id", _("Party %(id)s does not exist.") % {"id": party_id})
    elif party.merged_into_id:
        party = Party.objects.get(pk=party_survivor_id(party.pk))
    found = _purpose(purpose, errors)
    channel = (channel or "").strip().lower()
    if found is not None and channel and channel not in (found.channels or []):
        allowed = ", ".join(found.channels or []) or _("none")
        errors.add(
            "channel",
            _("'%(p)s' does not cover the channel '%(c)s' (it covers: %(a)s).")
            % {"p": found.code, "c": channel, "a": allowed},
        )
    if source not in ConsentSource.values:
        errors.add("source", _("Source is one of: %(c)s.") % {"c": ", ".join(ConsentSource.values)})
    if not isinstance(granted, bool):
        errors.add("granted", _("Say true (granted) or false (withdrawn)."))
    for name, value, size in (
        ("text_version", text_version, 120),
        ("note", note, 300),
        ("external_id", external_id, 120),
    ):
        if len(value or "") > size:
            errors.add(name, _("At most %(n)s characters.") % {"n": size})
    moment = _moment(occurred_at, errors)
    errors.raise_if_any()
    assert party is not None and found is not None
    external_id = (external_id or "").strip()
    if external_id:
        existing = ConsentRecord.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            record = ConsentRecord.objects.create(
                party=party,
                purpose=found,
                channel=channel,
                granted=granted,
                occurred_at=moment,
                source=source,
                text_version=(text_version or "").strip(),
                note=(note or "").strip(),
                external_id=external_id,
                actor=actor if getattr(actor, "pk", None) else None,
            )
            verb = "granted" if granted else "withdrawn"
            audit_record(
                actor=actor,
                action="create",
                instance=record,
                party_id=party.pk,
                summary=f"consent {verb}: {found.code}" + (f" ({channel})" if channel else ""),
                changes={
                    "purpose": found.code,
                    "channel": channel,
                    "granted": granted,
                    "source": source,
                    "text_version": record.text_version,
                },
            )
            party_event(
                "party.consent_changed",
                party,
                purpose=found.code,
                channel=channel,
                granted=granted,
            )
    except IntegrityError:  # the same external record delivered twice at once
        return ConsentRecord.objects.get(source=source, external_id=external_id)
    return record


def consent_allows(
    *, party_id: int, purpose: str, channel: str = "", if_unknown: bool = False
) -> bool:
    """Whether the customer's ledger lets us use ``purpose`` on ``channel`` now.

    The latest record for that channel or for the whole purpose decides; with none, the
    lawful basis does (consent: no; contract, legitimate interest...: yes). A purpose the
    company does not (or no longer) define answers ``if_unknown``: nothing for marketing, but
    a sender working under a contract (case notices) keeps sending.
    """
    found = ConsentPurpose.objects.filter(code=purpose, is_active=True).first()
    if found is None:
        return if_unknown
    channels = ["", channel] if channel else [""]
    latest = (
        ConsentRecord.objects.filter(party_id=party_id, purpose=found, channel__in=channels)
        .order_by("-occurred_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    if latest is None:
        return not found.opt_in
    return bool(latest)

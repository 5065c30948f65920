"""Reads of "My consents": every purpose the company asks about, where the customer stands on
it, what they were told (and its version), and the history of their choices.

The state comes from the parties app's ledger (``consent_state``), the one place every sender
reads; the portal only lays it out. The *text version* is a short fingerprint of what the
customer reads about a purpose (its name in their language and its description): the portal
records it with every choice and refuses a choice made on a text that has changed since.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from fregues.parties.models import ConsentPurpose, ConsentRecord, Party
from fregues.parties.selectors import consent_state

HISTORY_LIMIT = 50


def consent_text_version(purpose: ConsentPurpose, language: str | None) -> str:
    """The version of the text shown for ``purpose`` in ``language``: changes whenever its
    name (in that language) or its description changes."""
    text = f"{purpose.label(language)}\n{purpose.description}"
    return "t-" + hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class PurposeRow:
    """One purpose on the customer's consents page."""

    purpose: ConsentPurpose
    name: str
    granted: bool
    since: datetime.datetime | None
    source: str
    opt_in: bool
    text_version: str
    history: list[ConsentRecord] = field(default_factory=list)


def portal_consents(*, party: Party, language: str | None) -> list[PurposeRow]:
    """Every active purpose with the customer's current choice (for the whole purpose: a
    choice the customer makes here covers all its channels), its text version and history."""
    states = {s.purpose: s for s in consent_state(party_id=party.pk, language=language)}
    history: dict[int, list[ConsentRecord]] = {}
    records = ConsentRecord.objects.filter(party=party).order_by("-occurred_at", "-id")
    for record in records[: HISTORY_LIMIT * 4]:
        rows = history.setdefault(record.purpose_id, [])
        if len(rows) < HISTORY_LIMIT:
            rows.append(record)
    out: list[PurposeRow] = []
    for purpose in ConsentPurpose.objects.filter(is_active=True).order_by("position", "id"):
        state = states.get(purpose.code)
        out.append(
            PurposeRow(
                purpose=purpose,
                name=purpose.label(language),
                granted=state.granted if state else not purpose.opt_in,
                since=state.since if state else None,
                source=state.source if state else "",
                opt_in=purpose.opt_in,
                text_version=consent_text_version(purpose, language),
                history=history.get(purpose.pk, []),
            )
        )
    return out


def portal_consent_get(*, party: Party, purpose: str, language: str | None) -> PurposeRow | None:
    """One purpose's row (None when no active purpose has that code)."""
    for row in portal_consents(party=party, language=language):
        if row.purpose.code == purpose:
            return row
    return None

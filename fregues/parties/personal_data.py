"""Where parties keeps data about a person: the record itself, its contact points and postal
addresses, notes, ids, the lifecycle, the consent ledger and the suppression list.

Registered from ``PartiesConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

import hashlib

from django.db.models import Q, Value
from django.db.models.functions import Now

from fregues.core.personal_data import (
    ANONYMISE,
    DELETE,
    KEEP,
    Erasure,
    personal_data_register,
    personal_data_scrubber,
)

ANONYMISED_NAME = "Anonymised"
DIGEST_PREFIX = "sha256:"


def suppression_digest(address: str) -> str:
    """The one-way digest an erased customer's suppressed address is kept as: it still stops
    every sender (the check compares digests) but names nobody."""
    return DIGEST_PREFIX + hashlib.sha256(address.encode()).hexdigest()


_POINT_FIELDS = ("kind", "network", "value", "label", "is_primary", "is_verified", "created_at")
_ADDRESS_FIELDS = (
    "label",
    "street",
    "number",
    "complement",
    "district",
    "city",
    "region",
    "postal_code",
    "country",
    "is_primary",
    "created_at",
)


def _suppressions_to_digests(erasure: Erasure) -> None:
    """Suppression survives erasure: the address becomes its digest, the party link goes."""
    from .models import Suppression

    for row in Suppression.objects.filter(party_id=erasure.party_id).exclude(
        address__startswith=DIGEST_PREFIX
    ):
        Suppression.objects.filter(pk=row.pk).update(
            address=suppression_digest(row.address), note="", party=None
        )


def register() -> None:
    personal_data_register(
        "parties.Party",
        party=("pk", "merged_into"),
        export="profile",
        fields=(
            "id",
            "kind",
            "name",
            "given_name",
            "family_name",
            "legal_name",
            "tax_id",
            "tax_id_kind",
            "country",
            "language",
            "birth_date",
            "lifecycle_stage",
            "preferred_channel",
            "contact_hours_start",
            "contact_hours_end",
            "contact_weekdays",
            "tier",
            "attributes",
            "created_at",
            "updated_at",
        ),
        internal=(
            "version",
            "lifecycle_changed_at",
            "owner",
            "search_text",
            "merged_into",
            "merged_at",
            "anonymised_at",
        ),
        erase=ANONYMISE,
        anonymise={
            "name": Value(ANONYMISED_NAME),
            "given_name": "",
            "family_name": "",
            "legal_name": "",
            "tax_id": "",
            "tax_id_kind": "",
            "birth_date": None,
            "attributes": {},
            "search_text": "",
            "anonymised_at": Now(),
        },
        identifiers=("name", "legal_name", "tax_id"),
        why="the row stays so counts, amounts and dates of the customer still add up",
    )
    personal_data_register(
        "parties.ContactPoint",
        name="parties.ContactPoint.points",
        party=("party",),
        where=~Q(kind="address"),
        export="contact_points",
        fields=_POINT_FIELDS,
        internal=(
            "id",
            "updated_at",
            "party",
            "normalized",
            "match_key",
            "street",
            "number",
            "complement",
            "district",
            "city",
            "region",
            "postal_code",
            "country",
        ),
        erase=DELETE,
        identifiers=("value", "normalized"),
    )
    personal_data_register(
        "parties.ContactPoint",
        party=("party",),
        export="addresses",
        where=Q(kind="address"),
        fields=_ADDRESS_FIELDS,
        internal=(
            "id",
            "updated_at",
            "party",
            "kind",
            "network",
            "value",
            "normalized",
            "match_key",
            "is_verified",
        ),
        erase=DELETE,
        identifiers=("value", "street"),
    )
    personal_data_register(
        "parties.Affiliation",
        party=("person", "organization"),
        export="affiliations",
        fields=(
            "person",
            "organization",
            "role",
            "is_primary",
            "started_on",
            "ended_on",
            "portal_sees_cases",
        ),
        internal=("id", "created_at", "updated_at"),
        erase=ANONYMISE,
        anonymise=("role",),
        why="who worked where stays as a link to anonymised records",
    )
    personal_data_register(
        "parties.Note",
        party=("party",),
        export="notes",
        fields=("body", "before_visit", "created_at"),
        internal=("id", "updated_at", "party", "author"),
        erase=DELETE,
    )
    personal_data_register(
        "parties.ExternalId",
        party=("party",),
        export="external_ids",
        fields=("source", "code"),
        internal=("id", "created_at", "updated_at", "party"),
        erase=DELETE,
        identifiers=("code",),
    )
    personal_data_register(
        "parties.LifecycleMove",
        party=("party",),
        export="lifecycle",
        fields=("from_stage", "to_stage", "occurred_at", "reason"),
        internal=("id", "party", "actor", "cause_type", "cause_id"),
        erase=ANONYMISE,
        anonymise=("reason",),
        why="stage moves feed the lifecycle reports",
    )
    personal_data_register(
        "parties.DuplicateCandidate",
        party=("party_a", "party_b"),
        fields=(),
        internal=(
            "id",
            "party_a",
            "party_b",
            "score",
            "reasons",
            "status",
            "detected_at",
            "resolved_at",
            "resolved_by",
        ),
        erase=DELETE,
    )
    personal_data_register(
        "parties.ConsentRecord",
        party=("party",),
        export="consents",
        fields=("purpose", "channel", "granted", "occurred_at", "source", "text_version", "note"),
        internal=("id", "party", "external_id", "actor", "recorded_at"),
        erase=ANONYMISE,
        anonymise=("note", "external_id"),
        why="proof of what was consented stays (legal obligation), without the person",
    )
    personal_data_register(
        "parties.Suppression",
        party=("party",),
        export="suppressions",
        fields=("kind", "address", "reason", "source", "created_at", "lifted_at"),
        internal=("id", "party", "note", "actor", "lifted_by"),
        erase=KEEP,
        identifiers=("address",),
        why="the customer must never be contacted again: the address stays as its digest",
    )
    personal_data_scrubber("parties.suppression", _suppressions_to_digests)

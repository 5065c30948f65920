"""Where the portal keeps data about a person: sign-in attempts, sessions and the requests
about their data.

Registered from ``PortalConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from fregues.core.personal_data import ANONYMISE, DELETE, personal_data_register


def register() -> None:
    personal_data_register(
        "portal.CustomisationRequest",
        party=("party", "order__party", "interaction__party"),
        export="customisation_requests",
        fields=("id", "product", "order", "answers", "note", "created_at"),
        internal=("party", "interaction"),
        erase=ANONYMISE,
        anonymise=("answers", "note"),
        why="what was asked for stays counted per product; what the person wrote goes",
    )
    personal_data_register(
        "portal.Suggestion",
        party=("party", "interaction__party"),
        export="suggestions",
        fields=("id", "subject", "body", "created_at"),
        internal=("party", "interaction"),
        erase=ANONYMISE,
        anonymise=("subject", "body"),
        why="the number of suggestions stays; their words may name the person",
    )
    personal_data_register(
        "portal.PortalLogin",
        party=("party",),
        fields=(),
        internal=(
            "id",
            "party",
            "contact_point",
            "method",
            "purpose",
            "reference",
            "address",
            "secret_hash",
            "created_at",
            "expires_at",
            "used_at",
            "failed_attempts",
            "ip",
        ),
        erase=DELETE,
        identifiers=("address",),
        why="sign-in attempts are security records of a few minutes' use",
    )
    personal_data_register(
        "portal.PortalSession",
        party=("party",),
        export="portal_sessions",
        fields=("created_at", "last_seen_at", "expires_at", "ended_at", "ip", "user_agent"),
        internal=("id", "party", "key_hash", "login"),
        erase=DELETE,
        why="sessions are ended and forgotten; the erasure service ends them first",
    )
    personal_data_register(
        "portal.PrivacyRequest",
        party=("party",),
        export="privacy_requests",
        fields=(
            "id",
            "kind",
            "state",
            "details",
            "created_at",
            "due_at",
            "closed_at",
            "refusal_reason",
        ),
        internal=(
            "updated_at",
            "party",
            "filed_by",
            "handled_by",
            "legal_obligation",
            "hold_justification",
        ),
        erase=ANONYMISE,
        anonymise=("details", "hold_justification"),
        why="the request itself is the proof that the right was honoured, and when",
    )

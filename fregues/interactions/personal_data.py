"""Where interactions keeps data about a person: the conversations and their attachments.

Registered from ``InteractionsConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from fregues.core.personal_data import ANONYMISE, DELETE, personal_data_register


def register() -> None:
    personal_data_register(
        "interactions.Interaction",
        party=("party",),
        export="interactions",
        fields=(
            "id",
            "channel",
            "network",
            "direction",
            "occurred_at",
            "subject",
            "body",
            "outcome",
            "duration_seconds",
            "channel_address",
            "regarding_type",
            "regarding_id",
        ),
        internal=("created_at", "updated_at", "party", "agent", "contact_point", "external_id"),
        erase=ANONYMISE,
        anonymise=("subject", "body", "channel_address", "external_id", "contact_point"),
        why="contact counts per channel and date stay for the service reports",
    )
    personal_data_register(
        "interactions.Attachment",
        party=("interaction__party",),
        export="attachments",
        fields=("interaction", "filename", "content_type", "size", "created_at"),
        internal=("id", "file"),
        erase=DELETE,
        files=("file",),
        identifiers=("filename",),
    )

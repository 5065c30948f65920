"""Where marketing keeps data about a person: the campaigns they received and the segment
snapshots they were in.

Registered from ``MarketingConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from fregues.core.personal_data import ANONYMISE, KEEP, personal_data_register


def register() -> None:
    personal_data_register(
        "marketing.CampaignRecipient",
        party=("party",),
        export="campaigns_received",
        fields=(
            "campaign",
            "address",
            "language",
            "status",
            "skip_reason",
            "sent_at",
            "bounced_at",
            "first_clicked_at",
            "clicks",
            "unsubscribed_at",
        ),
        internal=(
            "id",
            "party",
            "skip_detail",
            "message_id",
            "interaction_id",
            "error",
            "claimed_at",
            "not_before",
        ),
        erase=ANONYMISE,
        anonymise=("address", "skip_detail", "error"),
        identifiers=("address",),
        why="sent, bounce and click counts stay for the campaign reports",
    )
    personal_data_register(
        "marketing.SegmentSnapshotMember",
        party=("party",),
        fields=(),
        internal=("id", "snapshot", "party"),
        erase=KEEP,
        why="a link to the anonymised party keeps the snapshot's count right",
    )

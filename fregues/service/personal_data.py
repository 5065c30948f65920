"""Where customer service keeps data about a person: cases and their history, visits to the
tracking page, work orders, surveys, quality reviews, and the partner record of a party.

Registered from ``ServiceConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from fregues.core.personal_data import ANONYMISE, KEEP, personal_data_register


def register() -> None:
    personal_data_register(
        "service.Case",
        party=("party", "reporter"),
        export="cases",
        fields=(
            "id",
            "protocol",
            "channel",
            "case_type",
            "category",
            "priority",
            "status",
            "is_open",
            "subject",
            "description",
            "created_at",
            "resolved_at",
            "closed_at",
        ),
        internal=(
            "updated_at",
            "version",
            "tracking_code",
            "party",
            "reporter",
            "queue",
            "assignee",
            "status_changed_at",
            "created_by",
            "sla_policy",
            "first_response_due",
            "resolution_due",
            "first_responded_at",
            "sla_paused_at",
            "sla_paused_minutes",
            "sla_warned_at",
            "first_response_breached_at",
            "resolution_breached_at",
            "escalation_level",
            "duplicate_of",
            "parent",
        ),
        erase=ANONYMISE,
        anonymise=("subject", "description"),
        why="case types, counts and SLA times stay for the service reports",
    )
    personal_data_register(
        "service.CaseEvent",
        party=("case__party", "case__reporter"),
        export="case_messages",
        fields=("case", "kind", "occurred_at", "actor_name", "summary", "data", "is_public"),
        internal=("id", "actor"),
        erase=ANONYMISE,
        anonymise=("summary", "data"),
        why="the case history's times stay for SLA and status reports",
    )
    personal_data_register(
        "service.TrackingVisit",
        party=("case__party",),
        fields=(),
        internal=("id", "case", "occurred_at"),
        erase=KEEP,
        why="a time and a case id only",
    )
    personal_data_register(
        "service.CaseNotice",
        party=("case__party",),
        fields=(),
        internal=(
            "id",
            "case",
            "kind",
            "event_id",
            "key",
            "state",
            "attempts",
            "due_at",
            "claimed_at",
            "sent_at",
            "message_id",
            "created_at",
        ),
        erase=KEEP,
        why="the sending state of a notice (ids and times); its text is the interaction's",
    )
    personal_data_register(
        "service.AvoidableContact",
        party=("case__party", "interaction__party"),
        fields=(),
        internal=("id", "case", "interaction", "reason", "occurred_at"),
        erase=KEEP,
        why="a reason code for the avoidable-contact report, nothing about the person",
    )
    personal_data_register(
        "service.WorkOrder",
        party=("case__party",),
        export="work_orders",
        fields=("case", "status", "instructions", "sent_at"),
        internal=("id", "partner", "partner_notes", "expires_at", "updated_at"),
        erase=ANONYMISE,
        anonymise=("instructions", "partner_notes"),
    )
    personal_data_register(
        "service.SatisfactionSurvey",
        party=("case__party",),
        export="surveys",
        fields=("case", "sent_at", "score", "comment", "answered_at"),
        internal=("id",),
        erase=ANONYMISE,
        anonymise=("comment",),
        why="scores stay for the satisfaction report",
    )
    personal_data_register(
        "service.QualityReview",
        party=("case__party",),
        fields=(),
        internal=(
            "id",
            "checklist",
            "reviewer",
            "agent",
            "case",
            "interaction_id",
            "scores",
            "score_percent",
            "comment",
            "reviewed_at",
        ),
        erase=ANONYMISE,
        anonymise=("comment",),
        why="an evaluation of the agent, not the customer's data; scores stay",
    )
    personal_data_register(
        "service.ServicePartner",
        party=("party",),
        export="service_partner",
        fields=("email", "skills", "is_active"),
        internal=("id", "party"),
        erase=ANONYMISE,
        anonymise={"email": "", "is_active": False},
        identifiers=("email",),
    )

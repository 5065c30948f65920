"""The events a webhook may subscribe to, and how a subscription's patterns match them.

The names are the ones the services emit to the outbox (``grep -rn event_emit fregues``); a
subscription names them exactly, by prefix (``case.*``) or all at once (``*``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

# The group a screen shows them under, then the names.
EVENT_GROUPS: dict[str, tuple[str, ...]] = {
    "party": (
        "party.created",
        "party.updated",
        "party.merged",
        "party.deleted",
        "party.lifecycle_moved",
        "party.contact_point_added",
        "party.contact_point_changed",
        "party.contact_point_removed",
        "party.note_added",
        "party.consent_changed",
        "party.suppressed",
        "party.anonymised",
        "parties.imported",
        "consents.imported",
    ),
    "interaction": (
        "interaction.recorded",
        "interaction.deleted",
        "interactions.imported",
    ),
    "case": (
        "case.opened",
        "case.updated",
        "case.transitioned",
        "case.assigned",
        "case.sla_changed",
        "case.customer_replied",
        "case.interaction_attached",
        "case.report_joined",
        "case.dispatched",
        "case.partner_update",
        "case.satisfaction",
    ),
    "article": ("article.created", "article.updated", "article.published", "article.deleted"),
    "sales": (
        "sales.lead.created",
        "sales.lead.converted",
        "sales.lead.resubmitted",
        "sales.opportunity.created",
        "sales.opportunity.updated",
        "sales.opportunity.moved",
        "sales.opportunity.won",
        "sales.opportunity.lost",
        "sales.opportunity.reopened",
        "sales.quote.created",
        "sales.quote.sent",
        "sales.quote.accepted",
        "sales.quote.declined",
        "sales.quote.expired",
        "sales.quote.cancelled",
        "sales.order.created",
        "sales.order.updated",
        "sales.order.cancelled",
        "sales.order.payment_recorded",
        "sales.invoice.created",
        "sales.invoice.updated",
        "sales.invoice.voided",
        "sales.invoice.payment_recorded",
        "sales.activity.created",
        "sales.activity.completed",
        "sales.orders.imported",
        "sales.leads.imported",
    ),
    "marketing": (
        "marketing.segment.created",
        "marketing.segment.updated",
        "marketing.segment.deleted",
        "marketing.segment.snapshot",
    ),
    "portal": (
        "portal.customisation_requested",
        "portal.suggestion_received",
        "privacy.request_filed",
        "privacy.request_changed",
    ),
}
EVENT_TYPES: tuple[str, ...] = tuple(name for names in EVENT_GROUPS.values() for name in names)
PING = "ping"


def matches(patterns: Iterable[str], name: str) -> bool:
    """Whether an event called ``name`` is one that ``patterns`` ask for."""
    for pattern in patterns:
        if pattern == "*" or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` names no event we emit, or None when it is fine."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return None
    if pattern.endswith(".*") and any(name.startswith(pattern[:-1]) for name in EVENT_TYPES):
        return None
    return _("Unknown event type '%(v)s'.") % {"v": pattern}

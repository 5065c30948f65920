"""Roles and what each may do, checked in the service layer so the API and the UI agree.

A user has one role. Admins (and Django superusers) may do everything.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import Forbidden

AGENT = "agent"
RELATIONSHIP_MANAGER = "relationship_manager"
QUALITY_MANAGER = "quality_manager"
SALES = "sales"
MARKETING = "marketing"
ADMIN = "admin"

ROLE_CHOICES = [
    (AGENT, _("Agent")),
    (RELATIONSHIP_MANAGER, _("Relationship manager")),
    (QUALITY_MANAGER, _("Quality manager")),
    (SALES, _("Salesperson")),
    (MARKETING, _("Marketer")),
    (ADMIN, _("Administrator")),
]
ROLES = [code for code, _label in ROLE_CHOICES]

_EVERYONE = frozenset(ROLES)
_FRONT_LINE = frozenset({AGENT, RELATIONSHIP_MANAGER, SALES, ADMIN})

PERMISSIONS: dict[str, frozenset[str]] = {
    "party.view": _EVERYONE,
    "party.create": _FRONT_LINE | {MARKETING},
    "party.change": _FRONT_LINE,
    "party.delete": frozenset({RELATIONSHIP_MANAGER, ADMIN}),
    "party.merge": frozenset({RELATIONSHIP_MANAGER, ADMIN}),
    "party.lifecycle": _FRONT_LINE | {MARKETING},
    "contact_point.change": _FRONT_LINE,
    # the consent ledger: everyone reads it (every sender must); the front line and marketing
    # record what the customer said
    "consent.view": _EVERYONE,
    "consent.change": _FRONT_LINE | {MARKETING},
    # the suppression list: every sender reads it; marketing and the managers keep it
    "suppression.view": _EVERYONE,
    "suppression.change": frozenset({MARKETING, RELATIONSHIP_MANAGER, ADMIN}),
    "interaction.view": _EVERYONE,
    "interaction.view_body": _EVERYONE - {MARKETING},
    "interaction.create": _FRONT_LINE | {QUALITY_MANAGER},
    "interaction.delete": frozenset({ADMIN}),
    "audit.view": _EVERYONE - {MARKETING},
    "user.manage": frozenset({ADMIN}),
    # customer service
    "case.view": _EVERYONE,
    "case.create": _FRONT_LINE | {QUALITY_MANAGER},
    "case.change": _FRONT_LINE | {QUALITY_MANAGER},
    "case.assign": frozenset({AGENT, RELATIONSHIP_MANAGER, QUALITY_MANAGER, ADMIN}),
    "service.configure": frozenset({ADMIN}),
    "quality.review": frozenset({QUALITY_MANAGER, ADMIN}),
    "report.view": frozenset({RELATIONSHIP_MANAGER, QUALITY_MANAGER, ADMIN}),
    "knowledge.write": frozenset({QUALITY_MANAGER, RELATIONSHIP_MANAGER, ADMIN}),
    # sales: the salesperson works leads, deals, quotes and activities; every department sees
    # a customer's deals and orders, except marketing, which sees amounts only in aggregate
    "lead.view": frozenset({SALES, RELATIONSHIP_MANAGER, MARKETING, ADMIN}),
    "lead.create": _FRONT_LINE | {MARKETING},
    "lead.change": frozenset({SALES, RELATIONSHIP_MANAGER, ADMIN}),
    "deal.view": _EVERYONE - {MARKETING},
    "deal.change": frozenset({SALES, RELATIONSHIP_MANAGER, ADMIN}),
    "activity.view": _EVERYONE - {MARKETING},
    "activity.change": _FRONT_LINE | {QUALITY_MANAGER},
    "order.change": frozenset({SALES, RELATIONSHIP_MANAGER, ADMIN}),
    "sales.report": frozenset({SALES, RELATIONSHIP_MANAGER, MARKETING, ADMIN}),
    "sales.configure": frozenset({ADMIN}),
    "erp.sync": frozenset({ADMIN}),
    # outbound webhooks send customer data out of the CRM: only admins subscribe receivers
    "webhook.configure": frozenset({ADMIN}),
    # marketing: segments and campaigns; the sending policy (open-complaint rule, frequency
    # caps) binds every marketing sender
    # analytics: reports read the reporting store; marketing sees amounts only in aggregate
    # (cells and totals, never one customer's revenue or value)
    "analytics.view": frozenset({RELATIONSHIP_MANAGER, QUALITY_MANAGER, SALES, MARKETING, ADMIN}),
    "analytics.customer_value": _EVERYONE - {MARKETING},  # one customer's scores and amounts
    "analytics.drill": frozenset({RELATIONSHIP_MANAGER, QUALITY_MANAGER, SALES, MARKETING, ADMIN}),
    "analytics.configure": frozenset({ADMIN}),
    "segment.view": frozenset({MARKETING, RELATIONSHIP_MANAGER, SALES, ADMIN}),
    "segment.change": frozenset({MARKETING, ADMIN}),
    "campaign.view": frozenset({MARKETING, RELATIONSHIP_MANAGER, ADMIN}),
    "campaign.change": frozenset({MARKETING, ADMIN}),
    "campaign.send": frozenset({MARKETING, ADMIN}),
    "marketing.configure": frozenset({MARKETING, ADMIN}),
    # bulk data: loading a file touches thousands of customers; exporting takes them all out
    "data.import": frozenset({RELATIONSHIP_MANAGER, MARKETING, ADMIN}),
    "data.export": frozenset({RELATIONSHIP_MANAGER, MARKETING, ADMIN}),
    # telephony: the front line sees calls and places them; the admin sets up extensions
    "call.view": _FRONT_LINE,
    "call.place": _FRONT_LINE,
    "channel.configure": frozenset({ADMIN}),
    # data-subject rights (LGPD art. 18 / GDPR art. 15-21): a customer's export, their
    # requests and the erasure that answers one; the people who own the relationship decide
    "privacy.view": frozenset({RELATIONSHIP_MANAGER, ADMIN}),
    "privacy.manage": frozenset({RELATIONSHIP_MANAGER, ADMIN}),
    # channels: connecting mailboxes, SMS/WhatsApp providers, telephony and webhooks (admins);
    # the unified inbox for whoever answers customers, everyone's inbox for supervisors
    "inbox.view": _FRONT_LINE | {QUALITY_MANAGER},
    "inbox.view_all": frozenset({RELATIONSHIP_MANAGER, QUALITY_MANAGER, ADMIN}),
}


# What a customer acting through the portal may do (actor "portal:<party id>"), always on
# their own records only: the portal's services and selectors are scoped to the signed-in
# party, so these permissions never reach another customer's data.
CUSTOMER_PERMISSIONS: frozenset[str] = frozenset(
    {
        "party.change",
        "contact_point.change",
        "consent.change",
        "interaction.create",
        "case.create",
        "privacy.request",  # download their data, ask for correction or erasure
    }
)


def is_customer(actor: Any) -> bool:
    """Whether ``actor`` is a customer acting through the portal ("portal:<party id>")."""
    return isinstance(actor, str) and actor.startswith("portal:")


def role_of(actor: Any) -> str | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if getattr(actor, "is_superuser", False):
        return ADMIN
    return getattr(actor, "role", None)


def can(actor: Any, permission: str) -> bool:
    """Whether ``actor`` (a user, or None for the system) holds ``permission``."""
    if actor is None:  # the system itself (tasks, importers, the demo loader)
        return True
    if is_customer(actor):
        return permission in CUSTOMER_PERMISSIONS
    role = role_of(actor)
    if role is None or not getattr(actor, "is_active", True):
        return False
    return role in PERMISSIONS[permission]


PORTFOLIO = "portfolio"
QUEUES = "queues"
_SCOPES = {RELATIONSHIP_MANAGER: PORTFOLIO, AGENT: QUEUES}


def record_scope(actor: Any) -> str | None:
    """The record-level rule that narrows what ``actor`` sees, or None when they see every
    record their role may view (docs/decisions/0011-record-level-access.md).

    Only with ``FREGUES_RECORD_ACCESS=scoped``: a relationship manager sees their portfolio
    (``PORTFOLIO``), an agent the cases of their queues (``QUEUES``). The selectors apply it,
    so the UI and the API agree."""
    from django.conf import settings

    if getattr(settings, "RECORD_ACCESS", "all") != "scoped" or is_customer(actor):
        return None
    return _SCOPES.get(role_of(actor) or "")


def require(actor: Any, permission: str) -> None:
    """Raise Forbidden (403) unless ``actor`` holds ``permission``."""
    if not can(actor, permission):
        raise Forbidden(
            str(_("Your role does not allow this action.")),
            details={"permission": permission},
        )

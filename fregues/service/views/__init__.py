"""Screens for customer service: the agent's (my work, queues, the case page, a new case from
the customer page), the quality manager's (SLA board, avoidable contacts, satisfaction,
quality reviews), the administrator's overview, and the public pages reached from e-mails
(tracking, satisfaction survey, partner work order).

Each view parses input, calls a service or selector, and renders. The customer page and the
home page belong to apps on the left: this app fills their "party.open_work" and "home" slots
(fregues.core.htmx).
"""

from . import panels  # noqa: F401  (registers the slot panels)
from .cases import (
    case_assign,
    case_attach,
    case_categories,
    case_contact,
    case_create,
    case_detail,
    case_dispatch,
    case_edit,
    case_similar,
    case_transition,
)
from .lists import case_list, my_work, queue_view, reassign
from .panels import home_my_work_card
from .public import partner_work_order, stylesheet, survey, track
from .quality import (
    avoidable,
    configuration,
    kb_article,
    kb_search,
    review_create,
    reviews,
    satisfaction,
    sla_board,
)

__all__ = [
    "avoidable",
    "case_assign",
    "case_attach",
    "case_categories",
    "case_contact",
    "case_create",
    "case_detail",
    "case_dispatch",
    "case_edit",
    "case_list",
    "case_similar",
    "case_transition",
    "configuration",
    "home_my_work_card",
    "kb_article",
    "kb_search",
    "my_work",
    "partner_work_order",
    "queue_view",
    "reassign",
    "review_create",
    "reviews",
    "satisfaction",
    "sla_board",
    "stylesheet",
    "survey",
    "track",
]

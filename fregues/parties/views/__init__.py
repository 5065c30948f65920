"""Screens for parties: the list, search-as-you-type, the customer page and its forms, the
duplicates review. Each view parses input, calls a service or selector, and renders.

The customer page is assembled from slots (fregues.core.htmx): the interactions app fills
"party.main" with the timeline, later apps fill "party.open_work" with cases and deals.
"""

from . import panels  # noqa: F401  (registers the home panels)
from .customers import (
    contact_point_add,
    contact_point_edit,
    contact_point_flag,
    contact_point_remove,
    lifecycle_move,
    link_add,
    link_options,
    link_portal_access,
    link_remove,
    note_add,
    party_create,
    party_delete,
    party_detail,
    party_edit,
    party_list,
    party_page_context,
    party_search,
)
from .duplicates import duplicate_compare, duplicates, duplicates_scan

__all__ = [
    "contact_point_add",
    "contact_point_edit",
    "contact_point_flag",
    "contact_point_remove",
    "duplicate_compare",
    "duplicates",
    "duplicates_scan",
    "lifecycle_move",
    "link_add",
    "link_options",
    "link_portal_access",
    "link_remove",
    "note_add",
    "party_create",
    "party_delete",
    "party_detail",
    "party_edit",
    "party_list",
    "party_page_context",
    "party_search",
]

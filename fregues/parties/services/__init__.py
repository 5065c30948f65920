"""Every write on parties goes through these services (keyword-only, with ``actor``)."""

from .consent import consent_allows, consent_record
from .contact_points import contact_point_add, contact_point_remove, contact_point_update
from .duplicates import duplicate_dismiss, duplicate_scan
from .lifecycle import Move, lifecycle_move, lifecycle_move_many
from .merge import party_merge
from .parties import (
    affiliation_add,
    affiliation_portal_access_set,
    affiliation_remove,
    external_id_add,
    note_add,
    party_create,
    party_delete,
    party_update,
)
from .resolve import party_resolve
from .resolve_many import Resolved, party_resolve_many
from .suppression import suppression_add, suppression_lift

__all__ = [
    "Move",
    "Resolved",
    "affiliation_add",
    "affiliation_portal_access_set",
    "affiliation_remove",
    "consent_allows",
    "consent_record",
    "contact_point_add",
    "contact_point_remove",
    "contact_point_update",
    "duplicate_dismiss",
    "duplicate_scan",
    "external_id_add",
    "lifecycle_move",
    "lifecycle_move_many",
    "note_add",
    "party_create",
    "party_delete",
    "party_merge",
    "party_resolve",
    "party_resolve_many",
    "party_update",
    "suppression_add",
    "suppression_lift",
]

"""Writes on the timeline: recording contacts one by one, in batches, and from files."""

from .imports import interaction_import_many, interaction_import_validate
from .inbound import Inbound, interaction_record_inbound_many
from .records import (
    ADDRESSLESS_CHANNELS,
    CLOCK_SKEW,
    INTERACTION_AUDIT_FIELDS,
    NewAttachment,
    Recorded,
    interaction_attach,
    interaction_delete,
    interaction_link,
    interaction_record,
    interaction_record_many,
)

__all__ = [
    "ADDRESSLESS_CHANNELS",
    "CLOCK_SKEW",
    "INTERACTION_AUDIT_FIELDS",
    "Inbound",
    "NewAttachment",
    "Recorded",
    "interaction_attach",
    "interaction_delete",
    "interaction_import_many",
    "interaction_import_validate",
    "interaction_link",
    "interaction_record",
    "interaction_record_inbound_many",
    "interaction_record_many",
]

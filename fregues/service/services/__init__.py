"""Every write of customer service goes through these services."""

from .assignment import case_assign, cases_reassign
from .avoidable import avoidable_contact_record
from .cases import (
    case_attach_interaction,
    case_contact_record,
    case_open,
    case_transition,
    case_update,
)
from .notices import case_notify
from .partners import partner_register, work_order_send, work_order_update
from .quality import quality_review_record, quality_sample
from .satisfaction import survey_answer
from .sla import sla_sweep
from .tracking import tracking_open

__all__ = [
    "avoidable_contact_record",
    "case_assign",
    "case_attach_interaction",
    "case_contact_record",
    "case_notify",
    "case_open",
    "case_transition",
    "case_update",
    "cases_reassign",
    "partner_register",
    "quality_review_record",
    "quality_sample",
    "sla_sweep",
    "survey_answer",
    "tracking_open",
    "work_order_send",
    "work_order_update",
]

"""Customer service: cases and their circuits, queues, SLAs, partners, quality, knowledge."""

from .cases import (
    AvoidableContact,
    Case,
    CaseEvent,
    CasePriority,
    ProtocolSequence,
    TrackingVisit,
)
from .circuits import CaseType, Circuit, CircuitStatus, CircuitTransition, StatusCategory
from .knowledge import Article
from .notices import CaseNotice
from .partners import ServicePartner, WorkOrder
from .quality import QualityChecklist, QualityReview, SatisfactionSurvey
from .sending import SendingPolicy
from .sla import BusinessCalendar, CalendarHoliday, Queue, SlaPolicy

__all__ = [
    "Article",
    "AvoidableContact",
    "BusinessCalendar",
    "CalendarHoliday",
    "Case",
    "CaseEvent",
    "CaseNotice",
    "CasePriority",
    "CaseType",
    "Circuit",
    "CircuitStatus",
    "CircuitTransition",
    "ProtocolSequence",
    "QualityChecklist",
    "QualityReview",
    "Queue",
    "SatisfactionSurvey",
    "SendingPolicy",
    "ServicePartner",
    "SlaPolicy",
    "StatusCategory",
    "TrackingVisit",
    "WorkOrder",
]

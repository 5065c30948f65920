"""A small service dataset whose facts are worked out by hand in the tests (March 2026, local
time America/Sao_Paulo, UTC-3)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fregues.accounts.tests.factories import UserFactory
from fregues.interactions.tests.factories import InteractionFactory
from fregues.service.models import (
    AvoidableContact,
    Case,
    CaseEvent,
    QualityChecklist,
    QualityReview,
    SatisfactionSurvey,
)
from fregues.service.tests.factories_cases import CaseFactory, QueueFactory, SlaPolicyFactory

LOCAL = ZoneInfo("America/Sao_Paulo")


def at(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=LOCAL)


def _case(**fields: Any) -> Case:
    opened = fields.pop("opened")
    case = CaseFactory(**fields)
    Case.objects.filter(pk=case.pk).update(created_at=opened, updated_at=opened)
    case.refresh_from_db()
    return case


def _contact(case: Case, when: datetime.datetime, direction: str = "in") -> Any:
    return InteractionFactory(
        party=case.party,
        direction=direction,
        occurred_at=when,
        regarding_type="service.case",
        regarding_id=case.pk,
    )


def build() -> dict[str, Any]:
    """Four cases:

    1. queue Q1, agent A1, opened 2 Mar 10:00: answered 10:30 (due 11:00), resolved 15:00
       (due 3 Mar): both SLAs met; one inbound contact; never reopened → first-contact
       resolution. CSAT 5, one quality review of 80 %.
    2. Q1, agent A2, opened 3 Mar: answered 12:00 (due 11:00: missed), resolution breached,
       resolved 10 Mar; two inbound contacts, one of them an avoidable status inquiry → not
       FCR. CSAT 3, reviews 60 % and 70 % (average 65).
    3. Q2, agent A1, no SLA policy, opened 4 Mar, resolved 6 Mar after being reopened once
       (resolved → in_progress) → not FCR; SLA outcomes null.
    4. Q2, nobody assigned, opened 5 Mar and still open; resolution due 5 Mar 18:00 (passed:
       missed), first response due 30 Mar (still running: null).
    """
    q1, q2 = QueueFactory(name="Q1", code="q1"), QueueFactory(name="Q2", code="q2")
    a1, a2 = UserFactory(role="agent", username="ana"), UserFactory(role="agent", username="bia")
    policy = SlaPolicyFactory()
    c1 = _case(
        opened=at(2),
        queue=q1,
        assignee=a1,
        sla_policy=policy,
        first_response_due=at(2, 11),
        first_responded_at=at(2, 10) + datetime.timedelta(minutes=30),
        resolution_due=at(3),
        resolved_at=at(2, 15),
        is_open=False,
    )
    c2 = _case(
        opened=at(3),
        queue=q1,
        assignee=a2,
        sla_policy=policy,
        channel="email",
        first_response_due=at(3, 11),
        first_responded_at=at(3, 12),
        resolution_due=at(4),
        resolution_breached_at=at(4),
        resolved_at=at(10),
        is_open=False,
    )
    c3 = _case(opened=at(4), queue=q2, assignee=a1, resolved_at=at(6), is_open=False)
    c4 = _case(
        opened=at(5),
        queue=q2,
        sla_policy=policy,
        first_response_due=at(30),
        resolution_due=at(5, 18),
    )
    _contact(c1, at(2))
    _contact(c1, at(2, 10) + datetime.timedelta(minutes=30), direction="out")
    _contact(c2, at(3))
    inquiry = _contact(c2, at(5))
    AvoidableContact.objects.create(
        case=c2, interaction=inquiry, reason="status_inquiry", occurred_at=at(5)
    )
    for frm, to, day in (("in_progress", "resolved", 5), ("resolved", "in_progress", 5)):
        CaseEvent.objects.create(
            case=c3, kind="transition", occurred_at=at(day, 12), data={"from": frm, "to": to}
        )
    CaseEvent.objects.create(
        case=c1,
        kind="transition",
        occurred_at=at(2, 15),
        data={"from": "in_progress", "to": "resolved"},
    )
    SatisfactionSurvey.objects.create(case=c1, sent_at=at(2, 16), score=5, answered_at=at(2, 17))
    SatisfactionSurvey.objects.create(case=c2, sent_at=at(10), score=3, answered_at=at(11))
    checklist = QualityChecklist.objects.first() or QualityChecklist.objects.create(name="QA")
    for case, agent, score in ((c1, a1, 80.0), (c2, a2, 60.0), (c2, a2, 70.0)):
        QualityReview.objects.create(
            checklist=checklist, agent=agent, case=case, score_percent=score, reviewed_at=at(12)
        )
    return {"q1": q1, "q2": q2, "a1": a1, "a2": a2, "cases": [c1, c2, c3, c4]}

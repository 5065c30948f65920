"""Satisfaction surveys on close (signed link, answered once) and quality reviews against a
checklist (weighted score, sampling what was not reviewed yet, scores per agent over time)."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fregues.core.errors import Conflict, Forbidden, Invalid, NotFound
from fregues.core.models import AuditEntry
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.service.models import CaseEvent, QualityChecklist, QualityReview, SatisfactionSurvey
from fregues.service.selectors.reports import quality_by_agent, satisfaction
from fregues.service.services import case_open, quality_review_record, quality_sample, survey_answer
from fregues.service.services.satisfaction import survey_token

from .factories_cases import CaseFactory, QueueFactory, agents

pytestmark = pytest.mark.django_db

CSAT_LINK = re.compile(r"https://fregues\.example/csat/(\S+)")


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://fregues.example"


@pytest.fixture
def closed(open_case: Callable, move: Callable, django_capture_on_commit_callbacks: Any) -> Any:
    """A resolved-then-closed case; the closing notice is in the outbox."""
    case = move(open_case(), "triaged", "in_progress", "resolved")
    with django_capture_on_commit_callbacks(execute=True):
        return move(case, "closed")


def link_token() -> str:
    found = [CSAT_LINK.search(m.body) for m in mail.outbox]
    tokens = [f.group(1) for f in found if f]
    assert len(tokens) == 1, [m.body for m in mail.outbox]
    return tokens[0]


# --- CSAT ---------------------------------------------------------------------------------


def test_closing_creates_the_survey_and_the_notice_carries_its_link(closed: Any) -> None:
    survey = SatisfactionSurvey.objects.get(case=closed)
    assert survey.sent_at is not None and survey.score is None
    answered = survey_answer(token=link_token(), score=5, comment="  Excelente!  ")
    assert answered.pk == survey.pk
    assert (answered.score, answered.comment) == (5, "Excelente!")
    assert answered.answered_at is not None
    event = CaseEvent.objects.get(case=closed, kind="satisfaction")
    assert event.data == {"score": 5}
    assert AuditEntry.objects.filter(
        entity_type="service.satisfactionsurvey", entity_id=survey.pk
    ).exists()


def test_a_survey_is_answered_once(closed: Any, nothing_written: Callable) -> None:
    token = link_token()
    survey_answer(token=token, score="4")
    with nothing_written(), pytest.raises(Conflict) as caught:
        survey_answer(token=token, score=1, comment="mudei de ideia")
    assert caught.value.code == "already_answered"
    assert SatisfactionSurvey.objects.get(case=closed).score == 4


@pytest.mark.parametrize("score", [0, 6, -1, "cinco", None, ""])
def test_a_bad_score_is_refused(closed: Any, score: Any, nothing_written: Callable) -> None:
    with nothing_written(), pytest.raises(Invalid) as caught:
        survey_answer(token=link_token(), score=score)
    assert "score" in caught.value.errors


def test_a_forged_or_expired_link_is_refused(closed: Any, monkeypatch: Any) -> None:
    with pytest.raises(NotFound) as forged:
        survey_answer(token="abc:def", score=5)
    assert forged.value.code == "bad_link"
    token = link_token()
    later = time.time() + 31 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(NotFound) as expired:
        survey_answer(token=token, score=5)
    assert expired.value.code == "link_expired"


def test_a_licence_decision_also_sends_the_survey(
    agent: Any, customer: Party, move: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    case = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="licence-request",
        subject="Licença de obras",
        notify=False,
    ).case
    move(case, "document_check", "technical_review", "legal_review", "decision")
    with django_capture_on_commit_callbacks(execute=True):
        move(case, "refused")
    assert SatisfactionSurvey.objects.filter(case=case).exists()
    assert CSAT_LINK.search(mail.outbox[-1].body)


def answer(case: Any, score: int, *, when: datetime.datetime | None = None) -> None:
    survey = SatisfactionSurvey.objects.create(case=case, sent_at=when or timezone.now())
    survey_answer(token=survey_token(survey), score=score)


def test_satisfaction_per_agent_and_queue(manager: Any) -> None:
    ana, bia = agents(2)
    ana.username, bia.username = "ana", "bia"
    ana.save()
    bia.save()
    north = QueueFactory(name="Norte")
    south = QueueFactory(name="Sul")
    for assignee, queue, score in [
        (ana, north, 5),
        (ana, north, 4),
        (ana, south, 3),
        (bia, south, 2),
        (bia, south, 1),
    ]:
        answer(CaseFactory(assignee=assignee, queue=queue, is_open=False), score)
    unanswered = CaseFactory(assignee=bia, queue=south, is_open=False)
    SatisfactionSurvey.objects.create(case=unanswered, sent_at=timezone.now())

    by_agent = satisfaction(actor=manager, by="agent")
    assert by_agent == [
        {"group": "ana", "answers": 3, "average": 4.0, "sent": 3},
        {"group": "bia", "answers": 2, "average": 1.5, "sent": 3},
    ]
    by_queue = satisfaction(actor=manager, by="queue")
    assert [(r["group"], r["answers"], r["average"], r["sent"]) for r in by_queue] == [
        ("Norte", 2, 4.5, 2),
        ("Sul", 3, 2.0, 4),
    ]
    with pytest.raises(Invalid):
        satisfaction(actor=manager, by="weather")


def test_the_satisfaction_period_is_when_answered(manager: Any) -> None:
    answer(CaseFactory(is_open=False), 5)
    SatisfactionSurvey.objects.update(answered_at=timezone.now() - datetime.timedelta(days=200))
    assert satisfaction(actor=manager) == []
    since = timezone.now() - datetime.timedelta(days=365)
    assert satisfaction(actor=manager, since=since)[0]["answers"] == 1


def test_an_agent_cannot_read_the_reports(agent: Any) -> None:
    with pytest.raises(Forbidden):
        satisfaction(actor=agent)
    with pytest.raises(Forbidden):
        quality_by_agent(actor=agent)


# --- quality reviews ----------------------------------------------------------------------


@pytest.fixture
def checklist(db: None) -> QualityChecklist:
    return QualityChecklist.objects.create(
        name="Telefone",
        items=[
            {"code": "greeting", "label": "Cumprimentou", "weight": 1},
            {"code": "protocol", "label": "Deu o protocolo", "weight": 3},
        ],
    )


def test_the_score_is_the_weighted_percentage(
    quality_manager: Any, agent: Any, checklist: QualityChecklist
) -> None:
    call = InteractionFactory(agent=agent)
    review = quality_review_record(
        actor=quality_manager,
        checklist_id=checklist.pk,
        interaction_id=call.pk,
        scores={"greeting": 100, "protocol": 50},
        comment="Esqueceu o protocolo no início.",
    )
    assert review.score_percent == 62.5  # (100·1 + 50·3) / 4
    assert review.agent == agent and review.reviewer == quality_manager
    assert review.scores == {"greeting": 100.0, "protocol": 50.0}
    assert AuditEntry.objects.filter(
        entity_type="service.qualityreview", entity_id=review.pk
    ).exists()


def test_a_case_review_scores_its_assignee(
    quality_manager: Any, agent: Any, checklist: QualityChecklist
) -> None:
    case = CaseFactory(assignee=agent, is_open=False)
    review = quality_review_record(
        actor=quality_manager,
        checklist_id=checklist.pk,
        case_id=case.pk,
        scores={"greeting": 0, "protocol": 100},
    )
    assert (review.agent, review.case, review.score_percent) == (agent, case, 75.0)


def test_a_review_is_validated_whole(
    quality_manager: Any, agent: Any, checklist: QualityChecklist, nothing_written: Callable
) -> None:
    call = InteractionFactory(agent=agent)
    with nothing_written():
        with pytest.raises(Invalid) as caught:
            quality_review_record(
                actor=quality_manager,
                checklist_id=checklist.pk,
                interaction_id=call.pk,
                scores={"greeting": 120, "bogus": 1},
            )
        assert set(caught.value.errors) == {"scores.greeting", "scores.protocol", "scores.bogus"}
        with pytest.raises(Invalid) as neither:
            quality_review_record(
                actor=quality_manager,
                checklist_id=checklist.pk,
                scores={"greeting": 1, "protocol": 1},
            )
        assert "case_id" in neither.value.errors
        with pytest.raises(Invalid) as unknown:
            quality_review_record(
                actor=quality_manager,
                checklist_id=checklist.pk,
                case_id=999_999,
                scores={"greeting": 1, "protocol": 1},
            )
        assert "case_id" in unknown.value.errors
        with pytest.raises(Invalid) as gone:
            quality_review_record(actor=quality_manager, checklist_id=999_999, case_id=1, scores={})
        assert "checklist_id" in gone.value.errors
        with pytest.raises(Forbidden):
            quality_review_record(
                actor=agent,
                checklist_id=checklist.pk,
                interaction_id=call.pk,
                scores={"greeting": 1, "protocol": 1},
            )


def test_the_sample_excludes_what_was_reviewed(
    quality_manager: Any, agent: Any, checklist: QualityChecklist
) -> None:
    now = timezone.now()
    calls = [
        InteractionFactory(agent=agent, occurred_at=now - datetime.timedelta(hours=n))
        for n in range(4)
    ]
    InteractionFactory(agent=agent, occurred_at=now - datetime.timedelta(days=40))  # too old
    InteractionFactory(agent=None, occurred_at=now)  # a notice: nobody to review
    cases = [CaseFactory(assignee=agent, is_open=False, closed_at=now) for _ in range(3)]
    CaseFactory(assignee=agent)  # still open
    scores = {"greeting": 100, "protocol": 100}
    quality_review_record(
        actor=quality_manager, checklist_id=checklist.pk, interaction_id=calls[0].pk, scores=scores
    )
    quality_review_record(
        actor=quality_manager, checklist_id=checklist.pk, case_id=cases[0].pk, scores=scores
    )

    sample = quality_sample(actor=quality_manager, size=10, seed=1)
    assert sample == {
        "interactions": sorted(c.pk for c in calls[1:]),
        "cases": sorted(c.pk for c in cases[1:]),
    }
    small = quality_sample(actor=quality_manager, size=2, seed=7)
    assert len(small["interactions"]) == 2 and set(small["interactions"]) < set(
        sample["interactions"]
    )
    assert small == quality_sample(actor=quality_manager, size=2, seed=7)
    other = agents(1)[0]
    assert quality_sample(actor=quality_manager, agent_id=other.pk) == {
        "interactions": [],
        "cases": [],
    }
    with pytest.raises(Forbidden):
        quality_sample(actor=agent)


def test_quality_scores_per_agent_over_time(
    quality_manager: Any, checklist: QualityChecklist
) -> None:
    ana, bia = agents(2)
    ana.username, bia.username = "ana", "bia"
    ana.save()
    bia.save()
    months = {
        (ana, datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC)): [100, 50],
        (ana, datetime.datetime(2026, 10, 10, 12, tzinfo=datetime.UTC)): [100],
        (bia, datetime.datetime(2026, 10, 20, 12, tzinfo=datetime.UTC)): [0, 100, 50],
    }
    for (person, when), protocol_scores in months.items():
        for value in protocol_scores:
            review = quality_review_record(
                actor=quality_manager,
                checklist_id=checklist.pk,
                interaction_id=InteractionFactory(agent=person).pk,
                scores={"greeting": value, "protocol": value},
            )
            QualityReview.objects.filter(pk=review.pk).update(reviewed_at=when)

    rows = quality_by_agent(
        actor=quality_manager,
        since=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        until=datetime.datetime(2026, 12, 31, tzinfo=datetime.UTC),
    )
    assert [(r["agent"], r["month"].isoformat()[:7], r["reviews"], r["average"]) for r in rows] == [
        ("ana", "2026-09", 2, 75.0),
        ("ana", "2026-10", 1, 100.0),
        ("bia", "2026-10", 3, 50.0),
    ]

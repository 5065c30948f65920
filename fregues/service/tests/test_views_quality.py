"""The customer-service screens of the quality manager: the SLA board, avoidable contacts,
satisfaction and quality reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from fregues.service.models import Case, QualityReview, SatisfactionSurvey
from fregues.service.services import survey_answer
from fregues.service.services.satisfaction import survey_token

from ._helpers import client_for, html
from .factories_cases import ago

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the quality manager


def test_sla_board_shows_compliance_and_the_cases_past_due(
    quality_manager: Any, agent: Any, customer: Any, open_case: Callable
):
    late = open_case("Atrasado", assignee_id=agent.pk)
    Case.objects.filter(pk=late.pk).update(resolution_due=ago(hours=2))
    fine = open_case("Em dia", force_new=True)
    client = client_for(quality_manager)
    response = client.get(reverse("service:sla_board"))
    page = html(response)
    assert response.status_code == 200
    assert 'id="compliance"' in page and "Suporte técnico" in page
    assert late.protocol in page and fine.protocol not in page.split('id="attention"')[1]
    assert response.context["totals"]["cases"] == 2
    for by in ("agent", "case_type"):
        assert client.get(reverse("service:sla_board"), {"by": by, "days": 30}).status_code == 200
    assert (
        client.get(reverse("service:sla_board"), {"by": "nonsense", "days": "x"}).status_code == 200
    )


def test_avoidable_contacts_per_type_and_week(quality_manager: Any, agent: Any, open_case):
    case = open_case()
    client_for(agent).post(
        reverse("service:contact", args=[case.protocol]),
        {"channel": "phone", "direction": "in", "status_inquiry": "on"},
    )
    response = client_for(quality_manager).get(reverse("service:avoidable"))
    assert response.context["pivot"].total == 1
    assert "Assistência técnica" in html(response)


def test_satisfaction_per_agent_with_comments(
    quality_manager: Any, agent: Any, open_case: Callable, move: Callable
):
    case = open_case(assignee_id=agent.pk)
    move(case, "closed")
    survey = SatisfactionSurvey.objects.get(case=case)
    survey_answer(token=survey_token(survey), score=4, comment="Muito atenciosos")
    client = client_for(quality_manager)
    page = html(client.get(reverse("service:satisfaction")))
    assert agent.username in page
    assert "4,00" in page or "4.00" in page
    assert "Muito atenciosos" in page
    assert client.get(reverse("service:satisfaction"), {"by": "queue"}).status_code == 200


def test_quality_review_of_a_case_with_the_weighted_total(
    quality_manager: Any, manager: Any, agent: Any, open_case: Callable, move: Callable
):
    case = open_case(assignee_id=agent.pk)
    move(case, "closed")
    client = client_for(quality_manager)
    reviews = html(client.get(reverse("service:reviews")))
    assert f"?case={case.pk}" in reviews  # in the sample
    form = client.get(reverse("service:review_create"), {"case": case.pk})
    assert form.status_code == 200 and "data-weight" in html(form)
    scores = {"greeting": 100, "history": 100, "protocol": 50, "resolution": 100, "next_steps": 0}
    response = client.post(
        reverse("service:review_create"),
        {"case": case.pk, **{f"score_{k}": v for k, v in scores.items()}, "comment": "Bom"},
    )
    assert response.status_code == 302
    review = QualityReview.objects.get(case=case)
    assert review.score_percent == 70.0  # (100 + 200 + 100 + 300 + 0) / 10
    assert review.agent == agent
    page = html(client.get(reverse("service:reviews")))
    assert "70%" in page
    # a relationship manager reads the reports but does not review
    assert "?case=" not in html(client_for(manager).get(reverse("service:reviews")))
    assert (
        client_for(manager).get(reverse("service:review_create"), {"case": case.pk}).status_code
        == 403
    )


def test_quality_review_errors_are_shown(
    quality_manager: Any, agent: Any, open_case: Callable, nothing_written: Callable
):
    case = open_case(assignee_id=agent.pk)
    client = client_for(quality_manager)
    with nothing_written():
        response = client.post(
            reverse("service:review_create"),
            {"case": case.pk, "score_greeting": 150, "score_history": "abc"},
        )
    assert response.status_code == 422
    page = html(response)
    assert page.count('class="field-errors"') >= 3  # out of range, not a number, missing
    assert client.get(reverse("service:review_create")).status_code == 404

"""The customer-service pages without an account: tracking, the satisfaction survey and the
partner's work order."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fregues.service.models import SatisfactionSurvey, WorkOrder
from fregues.service.services import work_order_send
from fregues.service.services.partners import work_order_token
from fregues.service.services.satisfaction import survey_token

from ._helpers import client_for, html

pytestmark = pytest.mark.django_db


CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')


# ---------------------------------------------------------------- public: tracking


def test_tracking_page_asks_for_the_code_then_shows_the_history(
    customer: Any, open_case: Callable, move: Callable
):
    case = open_case(case_type="licence-request", subject="Licença de obras")
    move(case, "document_check")
    client = Client()
    url = reverse("service:track", args=[case.protocol])
    form = client.get(url)
    assert form.status_code == 200 and 'id="track-form"' in html(form)
    assert customer.given_name not in html(form)

    sent = client.post(url, {"code": case.tracking_code.lower()})
    assert sent.status_code == 302 and sent["Location"] == url
    page = html(client.get(url))  # remembered for this browser, the code not in the address
    assert "Ana" in page
    assert "Verificação documental" in page and "Submetido" in page
    assert "Estamos verificando os documentos entregues." in page
    # nothing personal beyond the first name
    for secret in ("Souza", "ana.souza@exemplo.com.br", "98765", "+55", case.tracking_code):
        assert secret not in page
    assert case.tracking_visits.count() == 1  # one showing, one visit


def test_tracking_a_wrong_code_and_an_unknown_protocol_look_the_same(open_case: Callable):
    case = open_case()
    client = Client()
    wrong = client.post(
        reverse("service:track", args=[case.protocol]), {"code": "ZZZZ2222"}, follow=True
    )
    unknown = client.post(
        reverse("service:track", args=["2099-000001"]), {"code": "ZZZZ2222"}, follow=True
    )
    assert wrong.status_code == unknown.status_code == 404
    same = [
        CSRF.sub("", html(r)).replace(p, "P")
        for r, p in ((wrong, case.protocol), (unknown, "2099-000001"))
    ]
    assert same[0] == same[1]
    assert "Ana" not in same[0]
    odd = client.get(reverse("service:track", args=[case.protocol]), {"code": "ção"}, follow=True)
    assert odd.status_code == 404
    assert case.tracking_visits.count() == 0
    empty = client.post(reverse("service:track", args=[case.protocol]), {"code": ""})
    assert empty.status_code == 422


def test_the_tracking_page_in_english(open_case: Callable, move: Callable):
    case = open_case(case_type="licence-request", subject="Licença")
    move(case, "document_check")
    client = Client()
    client.cookies["django_language"] = "en"  # the language switch on the page
    url = reverse("service:track", args=[case.protocol])
    client.post(url, {"code": case.tracking_code})
    page = html(client.get(url))
    assert "Document check" in page and "Licence request" in page


# ---------------------------------------------------------------- public: satisfaction


def test_satisfaction_survey_bad_score_thanks_and_once(
    agent: Any, open_case: Callable, move: Callable
):
    case = open_case()
    move(case, "closed")
    survey = SatisfactionSurvey.objects.get(case=case)
    url = reverse("service:survey", args=[survey_token(survey)])
    client = Client()
    form = client.get(url)
    assert form.status_code == 200 and 'name="score"' in html(form) and "Ana" in html(form)
    assert "Souza" not in html(form)
    bad = client.post(url, {"score": "9"})
    assert bad.status_code == 422 and "alert-error" in html(bad)
    missing = client.post(url, {"comment": "sem nota"})
    assert missing.status_code == 422
    thanks = client.post(url, {"score": "5", "comment": "Ótimo"})
    assert thanks.status_code == 200 and 'id="survey-done"' in html(thanks)
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (5, "Ótimo")
    again = client.get(url)
    assert again.status_code == 200 and "already" in again.context and again.context["already"]
    assert client.post(url, {"score": "1"}).status_code == 200  # the answer stays
    survey.refresh_from_db()
    assert survey.score == 5
    page = html(client_for(agent).get(reverse("service:detail", args=[case.protocol])))
    assert 'id="csat-result"' in page and "Ótimo" in page


def test_a_bad_survey_link_is_a_404_page():
    response = Client().get(reverse("service:survey", args=["not-a-token"]))
    assert response.status_code == 404 and 'id="link-problem"' in html(response)


# ---------------------------------------------------------------- public: partner


def test_partner_sees_the_work_order_and_updates_it_without_an_account(
    agent: Any, open_case: Callable, move: Callable, partner: Any
):
    case = open_case(description="Mora na Rua das Flores, 10")
    move(case, "triaged")
    order = work_order_send(
        actor=agent, protocol=case.protocol, partner_id=partner.pk, instructions="Levar a peça"
    )
    url = reverse("service:partner_work_order", args=[work_order_token(order)])
    client = Client()
    page = html(client.get(url))
    assert case.subject in page and "Levar a peça" in page and "Ana" in page
    for secret in ("Souza", "ana.souza@exemplo.com.br", "98765", case.tracking_code):
        assert secret not in page
    response = client.post(url, {"new_status": "in_progress", "notes": "Visita marcada para terça"})
    assert response.status_code == 302 and response["Location"] == url
    order.refresh_from_db()
    assert order.status == "in_progress" and "Visita marcada para terça" in order.partner_notes
    after = html(client.get(url))
    assert "Visita marcada para terça" in after and "toast" in after
    bad = client.post(url, {"new_status": "exploded"})
    assert bad.status_code == 422


def test_a_bad_or_expired_partner_link_is_refused(agent: Any, open_case: Callable, partner):
    case = open_case()
    order = work_order_send(actor=agent, protocol=case.protocol, partner_id=partner.pk)
    token = work_order_token(order)
    tampered = Client().get(reverse("service:partner_work_order", args=[token + "x"]))
    assert tampered.status_code == 404 and 'id="link-problem"' in html(tampered)
    WorkOrder.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    expired = Client().post(
        reverse("service:partner_work_order", args=[token]), {"new_status": "done"}
    )
    assert expired.status_code == 404
    order.refresh_from_db()
    assert order.status == "sent"

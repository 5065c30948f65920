"""The customer-service screens: the case page and its forms (move, assign, edit, log and
attach contacts, dispatch to a partner), and the knowledge base searched from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.service.models import AvoidableContact, WorkOrder
from fregues.service.services import case_transition, work_order_send

from ._helpers import HX, client_for, html, reload
from .conftest import make_customer
from .factories import ArticleFactory
from .factories_cases import QueueFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the case page


def test_case_page_shows_header_actions_timeline_and_forms(
    agent: Any, customer: Any, open_case: Callable, partner: Any
):
    case = open_case(priority="urgent", category="Avaria")
    page = html(client_for(agent).get(reverse("service:detail", args=[case.protocol])))
    for text in (case.protocol, case.subject, customer.name, case.tracking_code, "Avaria"):
        assert text in page
    assert 'name="to_status" value="triaged"' in page
    assert 'id="assign-form"' in page and 'value="me"' in page
    assert 'id="case-contact-form"' in page and 'name="status_inquiry"' in page
    assert 'id="dispatch-form"' in page and partner.party.name in page
    assert 'id="case-timeline-items"' in page
    assert 'id="kb-q"' in page


def test_marketing_reads_a_case_without_the_forms(marketer: Any, open_case: Callable):
    case = open_case()
    response = client_for(marketer).get(reverse("service:detail", args=[case.protocol]))
    assert response.status_code == 200
    page = html(response)
    assert 'name="to_status"' not in page
    assert 'id="assign-form"' not in page
    assert 'id="case-contact-form"' not in page


def test_an_unknown_case_is_a_404(agent: Any):
    assert client_for(agent).get(reverse("service:detail", args=["2099-999999"])).status_code == 404


def test_case_page_query_count_is_pinned(
    agent: Any, open_case: Callable, move: Callable, partner: Any, django_assert_max_num_queries
):
    case = open_case()
    move(case, "triaged", "dispatched")
    work_order_send(actor=agent, protocol=case.protocol, partner_id=partner.pk)
    for i in range(5):
        recorded = interaction_record(
            actor=agent,
            data={
                "channel": "phone",
                "direction": "in",
                "subject": f"Ligou {i}",
                "regarding_type": "service.case",
                "regarding_id": case.pk,
            },
            party_id=case.party_id,
        )
        assert recorded.created
    client = client_for(agent)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("service:detail", args=[case.protocol]))
    assert response.status_code == 200
    assert html(response).count("Ligou ") == 5


def test_move_the_case_with_a_comment(agent: Any, open_case: Callable):
    case = open_case()
    client = client_for(agent)
    response = client.post(
        reverse("service:transition", args=[case.protocol]),
        {"to_status": "triaged", "comment": "Cliente confirmou o modelo", "version": case.version},
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.status.code == "triaged"
    page = html(client.get(response["Location"]))
    assert "Cliente confirmou o modelo" in page


def test_a_forbidden_transition_shows_the_message_in_the_page(
    agent: Any, open_case: Callable, nothing_written: Callable
):
    case = open_case()
    with nothing_written():
        response = client_for(agent).post(
            reverse("service:transition", args=[case.protocol]),
            {"to_status": "resolved", "version": case.version},
        )
    assert response.status_code == 422
    page = html(response)
    assert "alert-error" in page
    assert "resolved" in page and "triaged" in page  # the move refused and those allowed
    assert reload(case).status.code == "new"


def test_a_stale_version_asks_to_reload(agent: Any, open_case: Callable, move: Callable):
    case = open_case()
    stale = case.version
    move(case, "triaged")
    response = client_for(agent).post(
        reverse("service:transition", args=[case.protocol]),
        {"to_status": "in_progress", "version": stale},
    )
    assert response.status_code == 409
    page = html(response)
    assert reverse("service:detail", args=[case.protocol]) in page  # the reload link
    assert reload(case).status.code == "triaged"


def test_a_transition_without_a_status_is_refused(agent: Any, open_case: Callable):
    case = open_case()
    response = client_for(agent).post(reverse("service:transition", args=[case.protocol]), {})
    assert response.status_code == 422


def test_assign_to_me_to_someone_and_automatically(
    agent: Any, make_user: Callable, open_case: Callable
):
    other = make_user("agent", first_name="Bia")
    queue = QueueFactory(agents=[other])
    case = open_case(queue_id=queue.pk)
    client = client_for(agent)
    url = reverse("service:assign", args=[case.protocol])
    client.post(url, {"action": "me"})
    assert reload(case).assignee == agent
    client.post(url, {"action": "pick", "assignee": ""})
    assert reload(case).assignee is None
    client.post(url, {"action": "pick", "assignee": other.pk})
    assert reload(case).assignee == other
    client.post(url, {"action": "me"})
    client.post(url, {"action": "auto"})
    assert reload(case).assignee == other  # the queue's only agent


def test_the_salesperson_cannot_assign(salesperson: Any, open_case: Callable):
    case = open_case()
    page = html(client_for(salesperson).get(reverse("service:detail", args=[case.protocol])))
    assert 'id="assign-form"' not in page
    response = client_for(salesperson).post(
        reverse("service:assign", args=[case.protocol]), {"action": "me"}
    )
    assert response.status_code == 403
    assert reload(case).assignee is None


def test_edit_the_details_and_link_a_duplicate(agent: Any, open_case: Callable):
    case = open_case()
    first = open_case("Primeiro pedido")
    client = client_for(agent)
    response = client.post(
        reverse("service:edit", args=[case.protocol]),
        {
            "subject": "Máquina não liga (modelo X)",
            "priority": "high",
            "category": "Garantia",
            "description": "",
            "duplicate_of": first.protocol,
            "parent": "",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.subject, case.priority, case.category) == (
        "Máquina não liga (modelo X)",
        "high",
        "Garantia",
    )
    assert case.duplicate_of_id == first.pk
    page = html(client.get(reverse("service:detail", args=[first.protocol])))
    assert case.protocol in page  # "repeated by" on the first case


def test_edit_errors_unknown_protocol_and_stale_version(agent: Any, open_case: Callable):
    case = open_case()
    client = client_for(agent)
    unknown = client.post(
        reverse("service:edit", args=[case.protocol]),
        {
            "subject": "x",
            "priority": "normal",
            "duplicate_of": "1999-000001",
            "version": case.version,
        },
    )
    assert unknown.status_code == 422 and "1999-000001" in html(unknown)
    stale = client.post(
        reverse("service:edit", args=[case.protocol]),
        {"subject": "Outro assunto", "priority": "normal", "version": case.version - 1},
    )
    assert stale.status_code == 409
    assert reload(case).subject != "Outro assunto"


def test_log_a_status_inquiry_on_the_case(agent: Any, open_case: Callable):
    case = open_case()
    response = client_for(agent).post(
        reverse("service:contact", args=[case.protocol]),
        {
            "channel": "phone",
            "direction": "in",
            "subject": "Quer saber do técnico",
            "status_inquiry": "on",
        },
    )
    assert response.status_code == 302
    contact = Interaction.objects.get(subject="Quer saber do técnico")
    assert (contact.regarding_type, contact.regarding_id) == ("service.case", case.pk)
    assert contact.party_id == case.party_id and contact.agent == agent
    assert AvoidableContact.objects.get(interaction=contact).reason == "status_inquiry"


def test_log_a_contact_with_errors_writes_nothing(
    agent: Any, open_case: Callable, nothing_written: Callable
):
    case = open_case()
    with nothing_written():
        response = client_for(agent).post(
            reverse("service:contact", args=[case.protocol]),
            {"channel": "phone", "direction": "in", "duration": "abc"},
        )
    assert response.status_code == 422
    assert "field-errors" in html(response)


def test_attach_an_earlier_contact_as_a_status_inquiry(agent: Any, customer: Any, open_case):
    case = open_case()
    earlier = interaction_record(
        actor=agent,
        data={"channel": "email", "direction": "in", "subject": "E aí?"},
        party_id=customer.pk,
    ).interaction
    client = client_for(agent)
    page = html(client.get(reverse("service:detail", args=[case.protocol])))
    assert 'id="unlinked-contacts"' in page and "E aí?" in page
    client.post(
        reverse("service:attach", args=[case.protocol]),
        {"interaction_id": earlier.pk, "status_inquiry": "on"},
    )
    earlier.refresh_from_db()
    assert earlier.regarding_id == case.pk
    assert AvoidableContact.objects.filter(interaction=earlier, reason="status_inquiry").exists()


def test_attach_refuses_another_customers_contact(agent: Any, open_case: Callable):
    case = open_case()
    stranger = make_customer(given="Rui", family="Lopes", email="rui@exemplo.pt", phone=None)
    theirs = interaction_record(
        actor=agent, data={"channel": "phone", "direction": "in"}, party_id=stranger.pk
    ).interaction
    response = client_for(agent).post(
        reverse("service:attach", args=[case.protocol]), {"interaction_id": theirs.pk}, follow=True
    )
    theirs.refresh_from_db()
    assert theirs.regarding_id is None
    assert "toast-error" in html(response)


def test_dispatch_to_a_partner_emails_the_work_order_and_moves_the_case(
    agent: Any,
    open_case: Callable,
    move: Callable,
    partner: Any,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
):
    case = open_case()
    move(case, "triaged")
    client = client_for(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("service:dispatch", args=[case.protocol]),
            {
                "partner": partner.pk,
                "instructions": "Visitar de manhã",
                "transition_to": "dispatched",
            },
        )
    assert response.status_code == 302
    order = WorkOrder.objects.get(case=case)
    assert order.instructions == "Visitar de manhã"
    assert reload(case).status.code == "dispatched"
    assert [m.to for m in mailoutbox if "/partner/work-orders/" in m.body] == [[partner.email]]
    page = html(client.get(reverse("service:detail", args=[case.protocol])))
    assert 'id="work-orders"' in page and "Visitar de manhã" in page


def test_dispatch_with_a_move_the_circuit_refuses_writes_nothing(
    agent: Any, open_case: Callable, partner: Any, nothing_written: Callable
):
    case = open_case()  # "new" cannot go to "dispatched"
    with nothing_written():
        response = client_for(agent).post(
            reverse("service:dispatch", args=[case.protocol]),
            {"partner": partner.pk, "transition_to": "dispatched"},
        )
    assert response.status_code == 422
    assert "alert-error" in html(response)


def test_notices_go_out_when_the_agent_moves_the_case(
    agent: Any, open_case: Callable, mailoutbox: list, django_capture_on_commit_callbacks: Any
):
    case = open_case(case_type="licence-request", subject="Licença")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(agent).post(
            reverse("service:transition", args=[case.protocol]),
            {"to_status": "document_check", "version": case.version},
        )
    assert [m.to for m in mailoutbox] == [["ana.souza@exemplo.com.br"]]
    assert case.protocol in mail.outbox[0].subject


def test_case_transition_service_used_directly_still_shows(agent: Any, open_case: Callable):
    case = open_case()
    case_transition(actor=agent, protocol=case.protocol, to_status="triaged", comment="ok")
    page = html(client_for(agent).get(reverse("service:detail", args=[case.protocol])))
    assert "Novo → Em triagem" in page or "New → Triaged" in page


# ---------------------------------------------------------------- knowledge base


def test_search_the_knowledge_base_from_the_case_page(agent: Any):
    article = ArticleFactory(
        title="Máquina de lavar não centrifuga",
        body="## Passos\n\n1. Verifique o nível.\n\n<script>alert(1)</script>",
    )
    ArticleFactory(title="Rascunho sobre máquina", is_published=False)
    client = client_for(agent)
    results = client.get(reverse("service:kb_search"), {"q": "maquina lavar"}, headers=HX)
    assert results.templates[0].name == "service/partials/kb_results.html"
    assert article.title in html(results) and "Rascunho" not in html(results)
    shown = client.get(reverse("service:kb_article", args=[article.pk]), headers=HX)
    assert "<h2" in html(shown) and "<script>" not in html(shown)
    assert client.get(reverse("service:kb_search"), {"q": "nada disso"}).status_code == 200
    assert client.get(reverse("service:kb_article", args=[999999])).status_code == 404

"""The customer-service screens: the customer page panel, a new case (with the proposal to
join a similar open case), the case page and its forms, my work, queues and bulk reassign,
the case list, the quality manager's reports and reviews, the configuration overview, the
knowledge base, and the public pages (tracking, satisfaction survey, partner work order)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.service.models import (
    AvoidableContact,
    Case,
    QualityReview,
    SatisfactionSurvey,
    WorkOrder,
)
from fregues.service.selectors.cases import case_headline
from fregues.service.services import (
    case_assign,
    case_transition,
    survey_answer,
    work_order_send,
)
from fregues.service.services.partners import work_order_token
from fregues.service.services.satisfaction import survey_token

from .conftest import make_customer
from .factories import ArticleFactory
from .factories_cases import CaseFactory, QueueFactory, ago

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def between(page: str, start: str, end: str) -> str:
    """The part of ``page`` from the element with id ``start`` to the one with id ``end``."""
    first = page.index(f'id="{start}"')
    return page[first : page.index(f'id="{end}"', first)]


def reload(case: Case) -> Case:
    return Case.objects.select_related("status", "assignee").get(pk=case.pk)


# ---------------------------------------------------------------- who may see what


STAFF_PAGES = [
    ("service:list", []),
    ("service:create", []),
    ("service:similar", []),
    ("service:my_work", []),
    ("service:queues", []),
    ("service:sla_board", []),
    ("service:avoidable", []),
    ("service:satisfaction", []),
    ("service:reviews", []),
    ("service:review_create", []),
    ("service:configuration", []),
    ("service:kb_search", []),
    ("service:detail", ["2026-000001"]),
]


@pytest.mark.parametrize("name,args", STAFF_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(name: str, args: list[Any]) -> None:
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_posts_are_sent_to_the_login_page_and_change_nothing(open_case: Callable):
    case = open_case()
    for name in ("transition", "assign", "edit", "contact", "dispatch"):
        response = Client().post(reverse(f"service:{name}", args=[case.protocol]), {})
        assert response.status_code == 302, name
    assert reload(case).version == case.version


def test_the_public_pages_have_exactly_the_addresses_the_emails_print():
    assert reverse("service:track", args=["2026-000123"]) == "/track/2026-000123"
    assert reverse("service:survey", args=["abc:def"]) == "/csat/abc:def"
    assert reverse("service:partner_work_order", args=["t:o:k"]) == "/partner/work-orders/t:o:k"


@pytest.mark.parametrize(
    "page,allowed",
    [
        ("service:sla_board", {"quality_manager", "relationship_manager", "admin"}),
        ("service:avoidable", {"quality_manager", "relationship_manager", "admin"}),
        ("service:satisfaction", {"quality_manager", "relationship_manager", "admin"}),
        ("service:reviews", {"quality_manager", "relationship_manager", "admin"}),
        ("service:configuration", {"admin"}),
    ],
)
def test_manager_screens_are_for_their_roles(make_user: Callable, page: str, allowed: set[str]):
    for role in ("agent", "relationship_manager", "quality_manager", "sales", "marketing", "admin"):
        response = client_for(make_user(role)).get(reverse(page))
        assert response.status_code == (200 if role in allowed else 403), (page, role)


def test_the_service_links_follow_the_role(agent: Any, quality_manager: Any, admin: Any):
    agent_page = html(client_for(agent).get(reverse("service:my_work")))
    assert reverse("service:queues") in agent_page
    assert reverse("service:sla_board") not in agent_page
    assert reverse("service:configuration") not in agent_page
    qm_page = html(client_for(quality_manager).get(reverse("service:my_work")))
    assert reverse("service:sla_board") in qm_page
    admin_page = html(client_for(admin).get(reverse("service:configuration")))
    assert "/admin/service/queue/" in admin_page
    assert "/admin/service/slapolicy/" in admin_page
    assert "/admin/service/circuit/" in admin_page
    assert "/admin/service/businesscalendar/" in admin_page


def test_the_stylesheet_is_served_as_css():
    response = Client().get(reverse("service:stylesheet"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert ".sla-breached" in html(response)


# ---------------------------------------------------------------- customer page and home


def test_customer_page_shows_open_cases_with_headline_sla_and_new_case(
    salesperson: Any, customer: Any, open_case: Callable, move: Callable, agent: Any
):
    case = open_case(priority="high")
    move(case, "triaged", "dispatched")
    case_assign(actor=agent, protocol=case.protocol, assignee_id=agent.pk)
    closed = open_case("Outro pedido")
    move(closed, "closed")
    whole = html(client_for(salesperson).get(reverse("parties:detail", args=[customer.pk])))
    page = between(whole, "party-cases", "timeline")
    assert case.protocol in page
    assert case_headline(reload(case)) in page  # "2026-… — Enviado ao parceiro hoje"
    assert "sla-ok" in page
    assert agent.display_name in page
    assert closed.protocol not in page  # only the open ones, and a link to the rest
    assert f"{reverse('service:list')}?party={customer.pk}" in page
    assert f"{reverse('service:create')}?party={customer.pk}" in page  # sales may open cases


def test_customer_page_counts_the_contacts_attached_to_each_case(
    agent: Any, customer: Any, open_case: Callable
):
    case = open_case()  # the contact that opened it is attached
    whole = html(client_for(agent).get(reverse("parties:detail", args=[customer.pk])))
    panel = between(whole, "party-cases", "timeline")
    assert case.protocol in panel
    assert "1 contact" in panel or "1 contato" in panel


def test_marketing_sees_the_open_cases_but_cannot_open_one(marketer: Any, customer, open_case):
    case = open_case()
    page = html(client_for(marketer).get(reverse("parties:detail", args=[customer.pk])))
    assert case.protocol in page
    assert 'id="new-case"' not in page
    assert (
        client_for(marketer).get(reverse("service:create"), {"party": customer.pk}).status_code
        == 403
    )


def test_home_shows_my_work_to_those_who_work_cases(
    agent: Any, marketer: Any, open_case: Callable, django_assert_max_num_queries
):
    mine = open_case(assignee_id=agent.pk)
    late = open_case("Outro", assignee_id=agent.pk)
    Case.objects.filter(pk=late.pk).update(resolution_due=ago(hours=1))
    client = client_for(agent)
    home = html(client.get(reverse("core:home")))
    assert 'id="home-my-work"' in home
    assert reverse("service:my_work_card") in home  # the card loads itself after the page
    with django_assert_max_num_queries(6):
        card = client.get(reverse("service:my_work_card"), headers=HX)
    summary = card.context["summary"]
    assert (summary.open, summary.breached, summary.waiting) == (2, 1, 0)
    assert mine.protocol in html(card) and late.protocol in html(card)
    assert 'id="home-my-work"' not in html(client_for(marketer).get(reverse("core:home")))


# ---------------------------------------------------------------- a new case


def test_new_case_form_offers_the_types_and_their_categories(agent: Any, customer: Any):
    response = client_for(agent).get(reverse("service:create"), {"party": customer.pk})
    assert response.status_code == 200
    page = html(response)
    assert 'value="technical-assistance"' in page and 'value="licence-request"' in page
    assert "Avaria" in page  # the first type's categories
    categories = client_for(agent).get(
        reverse("service:categories"), {"case_type": "licence-request"}, headers=HX
    )
    assert "Obras" in html(categories) and "Avaria" not in html(categories)


def test_new_case_without_a_customer_goes_to_the_customer_list(agent: Any):
    response = client_for(agent).get(reverse("service:create"))
    assert response.status_code == 302 and response["Location"] == reverse("parties:list")


def test_opening_a_case_shows_the_protocol_and_tracking_code(agent: Any, customer: Any):
    client = client_for(agent)
    response = client.post(
        f"{reverse('service:create')}?party={customer.pk}",
        {
            "party": customer.pk,
            "case_type": "licence-request",
            "category": "Obras",
            "priority": "normal",
            "channel": "visit",
            "subject": "Licença de obras para ampliação",
            "description": "Entregou a planta.",
        },
    )
    case = Case.objects.get(party=customer)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('service:detail', args=[case.protocol])}?opened=1"
    page = html(client.get(response["Location"]))
    assert 'id="opened-banner"' in page
    assert case.protocol in page and case.tracking_code in page
    assert reverse("service:track", args=[case.protocol]) in page
    assert case.category == "Obras" and case.channel == "visit"


def test_opening_a_case_with_errors_shows_them_and_writes_nothing(
    agent: Any, customer: Any, nothing_written: Callable
):
    with nothing_written():
        response = client_for(agent).post(
            f"{reverse('service:create')}?party={customer.pk}",
            {
                "party": customer.pk,
                "case_type": "technical-assistance",
                "subject": "",
                "priority": "normal",
                "channel": "phone",
            },
        )
    assert response.status_code == 422
    assert "field-errors" in html(response)


def test_a_similar_open_case_is_proposed_and_the_report_joins_it(
    agent: Any, customer: Any, open_case: Callable
):
    existing = open_case("Máquina de lavar não liga")
    client = client_for(agent)
    proposal = client.get(
        reverse("service:similar"),
        {
            "party": customer.pk,
            "case_type": "technical-assistance",
            "subject": "maquina de lavar nao liga mais",
        },
        headers=HX,
    )
    page = html(proposal)
    assert existing.protocol in page
    assert 'id="join-case"' in page and 'name="force_new"' in page
    nothing = client.get(
        reverse("service:similar"),
        {"party": customer.pk, "case_type": "technical-assistance", "subject": "Fatura errada"},
        headers=HX,
    )
    assert existing.protocol not in html(nothing)

    data = {
        "party": customer.pk,
        "case_type": "technical-assistance",
        "priority": "normal",
        "channel": "phone",
        "subject": "Máquina de lavar não liga mais",
    }
    joined = client.post(f"{reverse('service:create')}?party={customer.pk}", data)
    assert joined["Location"] == f"{reverse('service:detail', args=[existing.protocol])}?joined=1"
    assert Case.objects.filter(party=customer).count() == 1
    assert AvoidableContact.objects.filter(case=existing, reason="repeat_report").count() == 1
    assert 'id="joined-banner"' in html(client.get(joined["Location"]))

    separate = client.post(
        f"{reverse('service:create')}?party={customer.pk}", {**data, "force_new": "1"}
    )
    assert separate.status_code == 302 and "?opened=1" in separate["Location"]
    assert Case.objects.filter(party=customer).count() == 2


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


# ---------------------------------------------------------------- lists


def test_my_work_lists_my_open_cases_by_sla_due(
    agent: Any, customer: Any, django_assert_max_num_queries
):
    later = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now() + datetime.timedelta(days=3)
    )
    sooner = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now() + datetime.timedelta(hours=2)
    )
    paused = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now(), sla_paused_at=timezone.now()
    )
    CaseFactory(party=customer, assignee=agent, is_open=False)
    CaseFactory(party=customer)  # nobody's
    for _ in range(20):
        CaseFactory(assignee=agent, resolution_due=timezone.now() + datetime.timedelta(days=9))
    client = client_for(agent)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("service:my_work"))
    protocols = [c.protocol for c in response.context["cases"]]
    assert protocols[:2] == [sooner.protocol, later.protocol]
    assert protocols[-1] == paused.protocol
    assert len(protocols) == 23


def test_case_list_filters_and_pages_by_keyset(
    agent: Any, customer: Any, django_assert_max_num_queries
):
    for i in range(35):
        CaseFactory(subject=f"Pedido {i:02d}", created_at=ago(hours=i))
    closed = CaseFactory(party=customer, is_open=False, subject="Fechado", priority="urgent")
    client = client_for(agent)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("service:list"))
    assert len(first.context["cases"]) == 30
    cursor = first.context["next_cursor"]
    assert cursor
    with django_assert_max_num_queries(3) as captured:
        second = client.get(
            reverse("service:list"), {"cursor": cursor, "fragment": "rows"}, headers=HX
        )
    assert not any("OFFSET" in q["sql"].upper() for q in captured.captured_queries)
    assert second.templates[0].name == "service/partials/case_rows.html"
    assert len(second.context["cases"]) == 6
    assert {c.pk for c in first.context["cases"]}.isdisjoint(c.pk for c in second.context["cases"])

    by_state = client.get(reverse("service:list"), {"state": "closed"}).context["cases"]
    assert [c.pk for c in by_state] == [closed.pk]
    by_priority = client.get(reverse("service:list"), {"priority": "urgent"}).context["cases"]
    assert [c.pk for c in by_priority] == [closed.pk]
    by_q = client.get(reverse("service:list"), {"q": "Pedido 07"}).context["cases"]
    assert [c.subject for c in by_q] == ["Pedido 07"]
    by_party = client.get(reverse("service:list"), {"party": customer.pk})
    assert [c.pk for c in by_party.context["cases"]] == [closed.pk]
    assert customer.name in html(by_party)
    by_status = client.get(
        reverse("service:list"), {"status": "new", "case_type": "technical-assistance"}
    )
    assert len(by_status.context["cases"]) == 30
    bad = client.get(reverse("service:list"), {"cursor": "not-a-cursor"})
    assert bad.status_code == 200 and len(bad.context["cases"]) == 30


def test_queue_view_lists_open_and_unassigned_cases(agent: Any, make_user: Callable):
    queue = QueueFactory(agents=[agent])
    taken = CaseFactory(queue=queue, assignee=agent)
    waiting = CaseFactory(queue=queue)
    CaseFactory(queue=queue, is_open=False)
    client = client_for(agent)
    everything = client.get(reverse("service:queue", args=[queue.pk]))
    assert {c.pk for c in everything.context["cases"]} == {taken.pk, waiting.pk}
    unassigned = client.get(reverse("service:queue", args=[queue.pk]), {"unassigned": "1"})
    assert [c.pk for c in unassigned.context["cases"]] == [waiting.pk]
    mine_first = client.get(reverse("service:queues"))
    assert mine_first.context["queue"].pk == queue.pk  # the agent's team's queue
    assert client.get(reverse("service:queue", args=[9999])).status_code == 404


def test_bulk_reassign_gives_the_ticked_cases_to_one_agent(agent: Any, make_user: Callable):
    other = make_user("agent", first_name="Bia")
    queue = QueueFactory(agents=[agent, other])
    cases = [CaseFactory(queue=queue, assignee=agent) for _ in range(3)]
    client = client_for(agent)
    url = reverse("service:queue", args=[queue.pk])
    response = client.post(
        reverse("service:reassign"),
        {
            "protocols": [c.protocol for c in cases[:2]],
            "assignee": other.pk,
            "queue": queue.pk,
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert [reload(c).assignee for c in cases] == [other, other, agent]
    back = client.post(
        reverse("service:reassign"),
        {"protocols": [cases[2].protocol], "assignee": "none", "queue": queue.pk, "next": url},
    )
    assert back.status_code == 302
    assert reload(cases[2]).assignee is None


def test_bulk_reassign_errors_change_nothing(
    agent: Any, salesperson: Any, make_user: Callable, nothing_written: Callable
):
    queue = QueueFactory(agents=[agent])
    case = CaseFactory(queue=queue, assignee=agent)
    client = client_for(agent)
    with nothing_written():
        none_ticked = client.post(
            reverse("service:reassign"), {"assignee": agent.pk, "queue": queue.pk}
        )
        unknown = client.post(
            reverse("service:reassign"),
            {"protocols": [case.protocol, "1999-000404"], "assignee": "none", "queue": queue.pk},
        )
        nobody_chosen = client.post(
            reverse("service:reassign"), {"protocols": [case.protocol], "queue": queue.pk}
        )
        sales = client_for(salesperson).post(
            reverse("service:reassign"),
            {"protocols": [case.protocol], "assignee": "none", "queue": queue.pk},
        )
    assert none_ticked.status_code == 422 and "alert-error" in html(none_ticked)
    assert unknown.status_code == 422 and "1999-000404" in html(unknown)
    assert nobody_chosen.status_code == 422
    assert sales.status_code == 403
    assert reload(case).assignee == agent


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


def test_the_tracking_page_in_english(open_case: Callable, move: Callable):
    case = open_case(case_type="licence-request", subject="Licença")
    move(case, "document_check")
    client = Client()
    client.cookies["django_language"] = "en"  # the language switch on the page
    url = reverse("service:track", args=[case.protocol])
    client.post(url, {"code": case.tracking_code})
    page = html(client.get(url))
    assert "Document check" in page and "Licence request" in page


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

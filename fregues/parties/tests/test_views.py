"""The parties screens: list, search, create/edit, the customer page and its forms, duplicates."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fregues.core.models import AuditEntry
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties import services
from fregues.parties.models import ContactPoint, LifecycleMove, Note, Party, Tag
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def joao(admin):
    return services.party_create(
        actor=admin,
        data={
            "kind": "person",
            "given_name": "João",
            "family_name": "da Silva",
            "tax_id": "529.982.247-25",
            "birth_date": "1980-05-17",
        },
        contact_points=[
            {"kind": "email", "value": "joao.silva@example.com"},
            {"kind": "phone", "value": "(11) 98765-4321"},
        ],
        tags=["VIP"],
    )


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- anonymous


@pytest.mark.parametrize(
    "name,args",
    [
        ("parties:list", []),
        ("parties:search", []),
        ("parties:create", []),
        ("parties:detail", [1]),
        ("parties:edit", [1]),
        ("parties:duplicates", []),
        ("parties:compare", [1, 2]),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(name, args):
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# ---------------------------------------------------------------- list and search


def test_party_list_filters_by_stage_kind_owner_and_tag(agent, manager):
    a = PartyFactory(name="Ana Client", lifecycle_stage="client", owner=manager)
    PartyFactory(name="Bruno Suspect")
    org = PartyFactory(kind="organization", name="Padaria Estrela")
    a.tags.add(Tag.objects.create(name="VIP"))
    client = client_for(agent)

    assert {p.pk for p in client.get("/customers/").context["parties"]} >= {a.pk, org.pk}
    by_stage = client.get("/customers/", {"lifecycle_stage": "client"}).context["parties"]
    assert [p.pk for p in by_stage] == [a.pk]
    by_kind = client.get("/customers/", {"kind": "organization"}).context["parties"]
    assert [p.pk for p in by_kind] == [org.pk]
    by_owner = client.get("/customers/", {"owner_id": manager.pk}).context["parties"]
    assert [p.pk for p in by_owner] == [a.pk]
    by_tag = client.get("/customers/", {"tag": "vip"}).context["parties"]
    assert [p.pk for p in by_tag] == [a.pk]
    page = html(client.get("/customers/", {"q": "padaria"}))
    assert "Padaria Estrela" in page and "Bruno Suspect" not in page


def test_party_list_pages_by_keyset_without_offset(agent, django_assert_max_num_queries):
    for i in range(60):
        party = PartyFactory(name=f"Cliente {i:03d}")
        ContactPointFactory(party=party, kind="email")
    client = client_for(agent)
    with django_assert_max_num_queries(9):
        first = client.get("/customers/")
    assert first.status_code == 200
    names = [p.name for p in first.context["parties"]]
    assert names == [f"Cliente {i:03d}" for i in range(25)]
    cursor = first.context["next_cursor"]
    assert cursor and f"cursor={cursor}" in html(first)

    with django_assert_max_num_queries(9) as captured:
        second = client.get("/customers/", {"cursor": cursor, "fragment": "rows"}, headers=HX)
    assert not any("OFFSET" in q["sql"].upper() for q in captured.captured_queries)
    assert second.context["parties"][0].name == "Cliente 025"
    assert second.templates[0].name == "parties/partials/list_rows.html"
    assert 'id="list-more"' in html(second)

    bad = client.get("/customers/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 200 and bad.context["parties"][0].name == "Cliente 000"


def test_search_as_you_type_returns_a_dropdown(agent, joao):
    response = client_for(agent).get("/customers/search/", {"q": "joao"}, headers=HX)
    assert response.status_code == 200
    page = html(response)
    assert "João da Silva" in page
    assert f'href="/customers/{joao.pk}/"' in page
    assert "/customers/?q=joao" in page  # Enter / "all results"
    assert "<html" not in page

    by_phone = html(client_for(agent).get("/customers/search/", {"q": "98765-4321"}))
    assert "João da Silva" in by_phone
    nothing = html(client_for(agent).get("/customers/search/", {"q": "zzzz"}))
    assert "/customers/new/?name=zzzz" in nothing
    assert html(client_for(agent).get("/customers/search/", {"q": ""})).strip() == ""


# ---------------------------------------------------------------- create and edit


def test_create_form_renders_and_creates_a_person(agent):
    client = client_for(agent)
    assert client.get("/customers/new/").status_code == 200
    response = client.post(
        "/customers/new/",
        {
            "kind": "person",
            "given_name": "Maria",
            "family_name": "Oliveira",
            "country": "BR",
            "email": "maria@exemplo.com.br",
            "phone": "(21) 99876-5432",
            "lifecycle_stage": "prospect",
            "tags": "VIP, imprensa",
            "owner": str(agent.pk),
        },
    )
    party = Party.objects.get(name="Maria Oliveira")
    assert response.status_code == 302 and response["Location"] == f"/customers/{party.pk}/"
    assert party.lifecycle_stage == "prospect"
    assert party.owner == agent
    assert sorted(t.name for t in party.tags.all()) == ["VIP", "imprensa"]
    assert set(party.contact_points.values_list("kind", flat=True)) == {"email", "phone"}


def test_create_with_a_bad_email_shows_the_error_and_writes_nothing(agent, unchanged):
    client = client_for(agent)
    with unchanged():
        response = client.post(
            "/customers/new/",
            {
                "kind": "person",
                "given_name": "Maria",
                "family_name": "Oliveira",
                "country": "BR",
                "email": "maria@@exemplo",
                "phone": "123",
                "tax_id": "111.111.111-11",
                "lifecycle_stage": "suspect",
            },
        )
    assert response.status_code == 422
    form = response.context["form"]
    assert "maria@@exemplo" in form.errors["email"][0]
    assert form.errors["phone"] and form.errors["tax_id"]
    page = html(response)
    assert 'class="alert alert-error"' in page
    assert 'value="Maria"' in page  # what was typed stays
    assert not Party.objects.exists()


def test_create_with_a_phone_held_by_another_party_names_the_holder(agent, joao, unchanged):
    with unchanged():
        response = client_for(agent).post(
            "/customers/new/",
            {
                "kind": "person",
                "given_name": "Outro",
                "country": "BR",
                "phone": "+55 11 98765-4321",
                "lifecycle_stage": "suspect",
            },
        )
    assert response.status_code == 409
    form = response.context["form"]
    assert form.holder == {"id": joao.pk, "name": "João da Silva"}
    assert form.errors["phone"]
    assert f'href="/customers/{joao.pk}/"' in html(response)


def test_create_an_organisation_needs_its_name(agent):
    response = client_for(agent).post(
        "/customers/new/", {"kind": "organization", "country": "BR", "lifecycle_stage": "suspect"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["name"]


def test_quality_manager_cannot_create(make_user):
    response = client_for(make_user("quality_manager")).get("/customers/new/")
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["quality_manager", "marketing"])
def test_roles_that_may_not_change_a_customer_get_no_edit_form(make_user, joao, role):
    client = client_for(make_user(role))
    assert client.get(f"/customers/{joao.pk}/edit/").status_code == 403
    assert client.post(f"/customers/{joao.pk}/edit/", {"given_name": "X"}).status_code == 403


def test_edit_saves_with_the_version_and_reports_a_conflict(agent, joao):
    client = client_for(agent)
    page = client.get(f"/customers/{joao.pk}/edit/")
    assert page.status_code == 200
    assert page.context["form"].initial["version"] == joao.version
    data = {
        "kind": "person",
        "given_name": "João",
        "family_name": "da Silva Santos",
        "country": "BR",
        "tax_id": "52998224725",
        "birth_date": "1980-05-17",
        "tags": "VIP",
        "version": joao.version,
    }
    ok = client.post(f"/customers/{joao.pk}/edit/", data)
    assert ok.status_code == 302
    joao.refresh_from_db()
    assert joao.name == "João da Silva Santos"

    stale = client.post(f"/customers/{joao.pk}/edit/", {**data, "family_name": "Souza"})
    assert stale.status_code == 409
    assert stale.context["form"].version_conflict
    assert f'href="/customers/{joao.pk}/edit/"' in html(stale)  # reload
    joao.refresh_from_db()
    assert joao.name == "João da Silva Santos"


# ---------------------------------------------------------------- the customer page


def test_customer_page_shows_every_section(agent, joao):
    InteractionFactory(party=joao, channel="email", subject="Segunda via")
    services.note_add(actor=None, party_id=joao.pk, body="Prefere contato à tarde.")
    response = client_for(agent).get(f"/customers/{joao.pk}/")
    assert response.status_code == 200
    page = html(response)
    for anchor in (
        'id="contacts"',
        'id="lifecycle"',
        'id="links"',
        'id="notes"',
        'id="open-work"',
        'id="timeline"',
        'id="log-form"',
        'id="audit"',
    ):
        assert anchor in page, anchor
    assert "529.982.247-25" in page  # the CPF, formatted
    assert "joao.silva@example.com" in page and "+55 11 98765-4321" in page
    assert "Segunda via" in page and "Prefere contato à tarde." in page
    assert "VIP" in page


def test_customer_page_query_count_is_pinned(agent, joao, django_assert_max_num_queries):
    for i in range(30):
        InteractionFactory(party=joao, agent=agent, channel=["phone", "email", "chat"][i % 3])
    for i in range(5):
        services.note_add(actor=agent, party_id=joao.pk, body=f"nota {i}")
    client = client_for(agent)
    client.get(f"/customers/{joao.pk}/")  # warm the session
    with django_assert_max_num_queries(32):
        response = client.get(f"/customers/{joao.pk}/")
    assert response.status_code == 200
    assert html(response).count('class="tl-item ') == 20


def test_a_merged_party_page_redirects_to_the_survivor(manager, joao):
    twin = PartyFactory(name="Joao Silva")
    services.party_merge(actor=manager, survivor_id=joao.pk, merged_id=twin.pk)
    response = client_for(manager).get(f"/customers/{twin.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{joao.pk}/"
    assert client_for(manager).get(f"/customers/{twin.pk}/edit/")["Location"] == (
        f"/customers/{joao.pk}/"
    )
    assert client_for(manager).get("/customers/999999/").status_code == 404


def test_agent_does_not_see_merge_and_marketing_does_not_see_the_audit(
    agent, marketer, manager, joao
):
    PartyFactory(name="Joao da Silva", tax_id=joao.tax_id)
    as_agent = html(client_for(agent).get(f"/customers/{joao.pk}/"))
    assert 'id="possible-duplicates"' in as_agent
    assert "/customers/duplicates/" not in as_agent
    as_manager = html(client_for(manager).get(f"/customers/{joao.pk}/"))
    assert f"/customers/duplicates/{joao.pk}/" in as_manager
    as_marketing = client_for(marketer).get(f"/customers/{joao.pk}/")
    assert as_marketing.context["audit"] is None
    assert 'id="audit"' not in html(as_marketing)
    assert 'id="log-form"' not in html(as_marketing)


def test_add_a_contact_point_and_see_it(agent, joao):
    client = client_for(agent)
    response = client.post(
        f"/customers/{joao.pk}/contact-points/",
        {"cp-new-kind": "email", "cp-new-value": "joao@trabalho.com.br", "cp-new-label": "work"},
    )
    assert response.status_code == 302
    assert joao.contact_points.filter(value="joao@trabalho.com.br", label="work").exists()


def test_add_a_bad_contact_point_shows_the_error_on_the_page(agent, joao, unchanged):
    with unchanged():
        response = client_for(agent).post(
            f"/customers/{joao.pk}/contact-points/",
            {"cp-new-kind": "email", "cp-new-value": "joao@"},
            headers=HX,
        )
    assert response.status_code == 422
    form = response.context["cp_form"]
    assert form.errors["value"]
    page = html(response)
    assert 'id="party-page"' in page
    assert re.search(r'<details class="add-block" open>', page)


def test_a_contact_point_held_by_another_party_shows_the_holder(agent, joao, unchanged):
    other = PartyFactory(name="Pedro Souza")
    with unchanged():
        response = client_for(agent).post(
            f"/customers/{other.pk}/contact-points/",
            {"cp-new-kind": "phone", "cp-new-value": "11 98765 4321"},
        )
    assert response.status_code == 409
    page = html(response)
    assert "João da Silva" in page
    assert f'class="holder-link" href="/customers/{joao.pk}/"' in page


def test_edit_flag_and_remove_a_contact_point(agent, joao):
    client = client_for(agent)
    email = joao.contact_points.get(kind="email")
    second = services.contact_point_add(
        actor=agent, party_id=joao.pk, data={"kind": "email", "value": "j@exemplo.pt"}
    )
    response = client.post(
        f"/customers/{joao.pk}/contact-points/{second.pk}/",
        {f"cp{second.pk}-value": "joao@exemplo.pt", f"cp{second.pk}-label": "home"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.value, second.label) == ("joao@exemplo.pt", "home")

    bad = client.post(
        f"/customers/{joao.pk}/contact-points/{second.pk}/", {f"cp{second.pk}-value": "x@"}
    )
    assert bad.status_code == 422
    assert bad.context["open_form"] == f"cp_edit_{second.pk}"

    client.post(f"/customers/{joao.pk}/contact-points/{second.pk}/flag/", {"flag": "is_primary"})
    second.refresh_from_db()
    email.refresh_from_db()
    assert second.is_primary and not email.is_primary

    client.post(
        f"/customers/{joao.pk}/contact-points/{second.pk}/flag/",
        {"flag": "is_verified", "value": "1"},
    )
    second.refresh_from_db()
    assert second.is_verified

    client.post(f"/customers/{joao.pk}/contact-points/{second.pk}/remove/")
    assert not ContactPoint.objects.filter(pk=second.pk).exists()
    email.refresh_from_db()
    assert email.is_primary


def test_marketing_cannot_change_contact_points(marketer, joao, unchanged):
    point = joao.contact_points.first()
    with unchanged():
        response = client_for(marketer).post(
            f"/customers/{joao.pk}/contact-points/{point.pk}/remove/"
        )
    assert response.status_code == 302  # back to the page, with the message
    page = html(client_for(marketer).get(f"/customers/{joao.pk}/"))
    assert "cp-edit" not in page


def test_move_the_lifecycle_stage(agent, joao):
    client = client_for(agent)
    page = client.get(f"/customers/{joao.pk}/")
    assert [c for c, _l in page.context["lifecycle_form"].allowed_choices] == [
        "prospect",
        "buyer",
        "client",
        "lost",
    ]
    response = client.post(
        f"/customers/{joao.pk}/lifecycle/",
        {"to_stage": "client", "reason": "Assinou", "version": joao.version},
    )
    assert response.status_code == 302
    joao.refresh_from_db()
    assert joao.lifecycle_stage == "client"
    move = LifecycleMove.objects.filter(party=joao).first()
    assert (move.from_stage, move.to_stage, move.reason, move.actor) == (
        "suspect",
        "client",
        "Assinou",
        agent,
    )
    history = html(client.get(f"/customers/{joao.pk}/"))
    assert "Assinou" in history


def test_lifecycle_errors_reason_rule_and_version(agent, joao, unchanged):
    client = client_for(agent)
    with unchanged():
        no_reason = client.post(
            f"/customers/{joao.pk}/lifecycle/", {"to_stage": "lost", "version": joao.version}
        )
        not_allowed = client.post(
            f"/customers/{joao.pk}/lifecycle/", {"to_stage": "advocate", "version": joao.version}
        )
        stale = client.post(
            f"/customers/{joao.pk}/lifecycle/",
            {"to_stage": "client", "version": joao.version - 1},
        )
    assert no_reason.status_code == 422
    assert no_reason.context["lifecycle_form"].errors["reason"]
    assert not_allowed.status_code == 422
    assert not_allowed.context["lifecycle_form"].errors["to_stage"]
    assert stale.status_code == 409
    assert stale.context["lifecycle_form"].version_conflict
    assert f'href="/customers/{joao.pk}/"' in html(stale)


def test_add_a_note_and_an_empty_one(agent, joao):
    client = client_for(agent)
    assert client.post(f"/customers/{joao.pk}/notes/", {"body": "Ligar amanhã"}).status_code == 302
    assert Note.objects.filter(party=joao, body="Ligar amanhã", author=agent).exists()
    empty = client.post(f"/customers/{joao.pk}/notes/", {"body": "  "})
    assert empty.status_code == 422
    assert empty.context["note_form"].errors["body"]


def test_link_a_person_to_an_organisation(agent, joao):
    org = services.party_create(
        actor=agent, data={"kind": "organization", "name": "Padaria Estrela"}
    )
    client = client_for(agent)
    options = client.get(f"/customers/{joao.pk}/links/options/", {"link-link_q": "padaria"})
    assert f'value="{org.pk}"' in html(options)
    response = client.post(
        f"/customers/{joao.pk}/links/", {"link-other_id": org.pk, "link-role": "Sócio"}
    )
    assert response.status_code == 302
    link = joao.affiliations.get()
    assert (link.organization, link.role) == (org, "Sócio")
    assert "João da Silva" in html(client.get(f"/customers/{org.pk}/"))
    missing = client.post(f"/customers/{joao.pk}/links/", {"link-role": "x"})
    assert missing.status_code == 422
    client.post(f"/customers/{joao.pk}/links/{link.pk}/remove/")
    assert not joao.affiliations.exists()


def test_delete_is_for_relationship_managers(agent, manager, joao):
    assert "/delete/" not in html(client_for(agent).get(f"/customers/{joao.pk}/"))
    client_for(agent).post(f"/customers/{joao.pk}/delete/", {"version": joao.version})
    assert Party.objects.filter(pk=joao.pk).exists()
    response = client_for(manager).post(f"/customers/{joao.pk}/delete/", {"version": joao.version})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert not Party.objects.filter(pk=joao.pk).exists()


# ---------------------------------------------------------------- duplicates


def test_duplicates_scan_compare_and_merge(manager, joao):
    twin = services.party_create(
        actor=manager,
        data={
            "kind": "person",
            "given_name": "Joao",
            "family_name": "Silva",
            "tax_id": "52998224725",
        },
        contact_points=[{"kind": "email", "value": "js@exemplo.com"}],
    )
    client = client_for(manager)
    assert client.post("/customers/duplicates/scan/").status_code == 302
    listing = client.get("/customers/duplicates/")
    assert [(r.party_a.pk, r.party_b.pk) for r in listing.context["rows"]] == [(joao.pk, twin.pk)]
    compare_url = f"/customers/duplicates/{joao.pk}/{twin.pk}/"
    assert compare_url in html(listing)

    compare = client.get(compare_url)
    assert compare.status_code == 200
    assert compare.context["keep"] == joao.pk  # the richer record is proposed
    response = client.post(compare_url, {"action": "merge", "survivor": joao.pk})
    assert response.status_code == 302 and response["Location"] == f"/customers/{joao.pk}/"
    twin.refresh_from_db()
    assert twin.merged_into_id == joao.pk
    assert joao.contact_points.filter(value="js@exemplo.com").exists()
    assert client.get("/customers/duplicates/").context["rows"] == []
    assert AuditEntry.objects.filter(action="merge", party_id=joao.pk).exists()


def test_dismiss_a_pair(manager, joao):
    other = PartyFactory(name="João da Silva")
    response = client_for(manager).post(
        f"/customers/duplicates/{joao.pk}/{other.pk}/", {"action": "dismiss"}
    )
    assert response.status_code == 302
    dismissed = client_for(manager).get("/customers/duplicates/", {"status": "dismissed"})
    assert len(dismissed.context["rows"]) == 1


def test_merge_needs_a_survivor_and_the_right_role(agent, manager, joao):
    other = PartyFactory(name="João Silva")
    missing = client_for(manager).post(
        f"/customers/duplicates/{joao.pk}/{other.pk}/", {"action": "merge"}
    )
    assert missing.status_code == 422 and missing.context["error"]
    denied = client_for(agent).post(
        f"/customers/duplicates/{joao.pk}/{other.pk}/", {"action": "merge", "survivor": joao.pk}
    )
    assert denied.status_code == 422
    assert Party.objects.filter(merged_into__isnull=False).count() == 0
    assert client_for(agent).post("/customers/duplicates/scan/").status_code == 403
    org = PartyFactory(kind="organization", name="Org")
    mismatch = client_for(manager).post(
        f"/customers/duplicates/{joao.pk}/{org.pk}/", {"action": "merge", "survivor": joao.pk}
    )
    assert mismatch.status_code == 422

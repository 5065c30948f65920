"""Shared UI: the home page, slots, htmx helpers, the service-error form, template helpers."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from fregues.core.errors import Conflict, Invalid, VersionConflict
from fregues.core.forms import ServiceForm
from fregues.core.htmx import (
    hx_redirect,
    hx_retarget,
    hx_trigger,
    is_htmx,
    slot_panels,
    slot_register,
    slot_render,
)
from fregues.core.models import AuditEntry
from fregues.core.templatetags import ui


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_home_needs_a_signed_in_user():
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_home_shows_the_panels_apps_register(manager, django_assert_max_num_queries):
    from fregues.parties.tests.factories import PartyFactory

    PartyFactory(name="Cliente da Rita", owner=manager, lifecycle_stage="client")
    PartyFactory(name="Outro", lifecycle_stage="prospect")
    client = client_for(manager)
    client.get("/")
    with django_assert_max_num_queries(8):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="card home-overview"' in page
    assert 'class="card home-recent"' in page
    assert 'class="card home-portfolio"' in page
    assert "Cliente da Rita" in page and "/customers/new/" in page
    assert 'id="global-search"' in page and "autofocus" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


@pytest.mark.django_db
def test_admin_link_only_for_admins(agent, admin):
    assert 'href="/admin/"' not in client_for(agent).get("/").content.decode()
    assert 'href="/admin/"' in client_for(admin).get("/").content.decode()
    assert client_for(agent).get("/admin/").status_code == 302  # not staff: admin login


@pytest.mark.django_db
def test_language_switch_posts_to_set_language(agent):
    client = client_for(agent)
    page = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert "Clientes" in page  # pt-BR by default
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english and "Customers" in english
    client.post("/i18n/setlang/", {"language": "pt-pt", "next": "/"})
    portugal = client.get("/").content.decode()
    assert "Pesquisar por nome" in portugal


def test_slots_render_registered_panels_in_order():
    request = RequestFactory().get("/")
    slot_register("test.slot", "b", lambda r, o: f"<b>{o}</b>", order=20)
    slot_register("test.slot", "a", lambda r, o: f"<a>{o}</a>", order=10)
    slot_register("test.slot", "empty", lambda r, o: None, order=5)
    assert [p.name for p in slot_panels("test.slot")] == ["empty", "a", "b"]
    assert slot_render(request, "test.slot", 7) == ["<a>7</a>", "<b>7</b>"]
    assert slot_render(request, "nobody.registers.this") == []


def test_htmx_helpers():
    request = RequestFactory().get("/", headers={"HX-Request": "true"})
    assert is_htmx(request) and not is_htmx(RequestFactory().get("/"))
    assert hx_redirect("/x/")["HX-Redirect"] == "/x/"
    response = hx_retarget(HttpResponse(), "#form", select="#form")
    assert (response["HX-Retarget"], response["HX-Reswap"], response["HX-Reselect"]) == (
        "#form",
        "outerHTML",
        "#form",
    )
    hx_trigger(response, "saved")
    hx_trigger(response, "counted", {"n": 2})
    assert response["HX-Trigger"] == '{"saved": true, "counted": {"n": 2}}'


class _Form(ServiceForm):
    name = forms.CharField(required=False)
    owner = forms.CharField(required=False)
    service_fields = {"owner_id": "owner"}


def test_service_form_puts_errors_next_to_fields_and_the_message_on_top():
    form = _Form({"name": ""})
    assert form.is_valid()
    form.add_service_error(
        Invalid(
            "The data sent is not valid.",
            errors={"name": ["A name is required."], "owner_id": ["No such user."], "x": ["?"]},
        )
    )
    assert form.errors["name"] == ["A name is required."]
    assert form.errors["owner"] == ["No such user."]
    assert form.top_messages == ["?"]
    assert form.status == 422

    specific = _Form({})
    specific.is_valid()
    specific.add_service_error(Invalid("Not allowed from here.", code="forbidden_move"))
    assert specific.top_messages == ["Not allowed from here."]

    conflict = _Form({})
    conflict.is_valid()
    conflict.add_service_error(
        Conflict("+55 11 98765-4321 already belongs to Ana.", details={"holder": {"id": 3}}),
        field="name",
    )
    assert conflict.holder == {"id": 3} and conflict.status == 409
    assert conflict.errors["name"]

    stale = _Form({})
    stale.is_valid()
    stale.add_service_error(VersionConflict("changed"))
    assert stale.version_conflict and stale.top_messages


def test_relative_times_and_durations():
    now = timezone.now()
    with translation.override("pt-br"):
        assert "há 3" in ui.ago(now - datetime.timedelta(days=3, hours=1))
        assert "agora mesmo" in ui.ago(now)
    with translation.override("en"):
        text = ui.ago(now - datetime.timedelta(hours=2))
        assert "2\xa0hours ago" in text and "<time datetime=" in text
    assert ui.ago(None) == ""
    assert ui.duration(95) == "1:35"
    assert ui.duration(3725) == "1:02:05"
    assert ui.duration(None) == ""
    assert ui.initials("João da Silva") == "JS"
    assert ui.initials("Padaria") == "PA"


def test_icons_are_labelled_or_hidden():
    labelled = ui.icon("phone", "Telefone")
    assert 'role="img"' in labelled and 'aria-label="Telefone"' in labelled
    assert "<title>Telefone</title>" in labelled
    assert 'aria-hidden="true"' in ui.icon("phone")
    for channel in (
        "phone",
        "email",
        "chat",
        "sms",
        "mms",
        "fax",
        "letter",
        "visit",
        "web_form",
        "social",
        "portal",
    ):
        assert channel in ui.ICONS


def test_audit_rows_label_changes():
    update = AuditEntry(
        action="update",
        entity_type="parties.party",
        changes={"lifecycle_stage": ["suspect", "client"], "name": ["A", "B"]},
    )
    with translation.override("pt-br"):
        rows = ui.audit_rows(update)
        assert {"label": "estágio", "before": "Suspeito", "after": "Cliente"} in rows
        assert ui.audit_entity("parties.contactpoint") == "ponto de contato"
    create = AuditEntry(action="create", entity_type="parties.note", changes={"body": "x", "n": ""})
    with translation.override("pt-br"):
        assert ui.audit_rows(create) == [{"label": "nota", "before": "", "after": "x"}]
    removed = AuditEntry(action="delete", entity_type="x.y", changes={"value": "a@b.c"})
    assert ui.audit_rows(removed) == [{"label": "value", "before": "a@b.c", "after": ""}]
    merge = AuditEntry(action="merge", entity_type="parties.party", changes={"moved": {"a": 1}})
    assert ui.audit_rows(merge) == []
    assert ui.audit_entity("nope.nothing") == "nope.nothing"

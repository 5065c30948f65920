"""The timeline on the customer page, logging a contact, attachments, the home panel."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fregues.interactions.models import Attachment, Interaction
from fregues.interactions.services import NewAttachment, interaction_record
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties import services as party_services
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def party():
    party = PartyFactory(name="João da Silva")
    ContactPointFactory(party=party, kind="phone")
    return party


def html(response) -> str:
    return response.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(party):
    for url in (
        reverse("interactions:timeline", args=[party.pk]),
        reverse("interactions:log", args=[party.pk]),
        reverse("interactions:attachment", args=[1]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_log_a_phone_interaction_over_htmx(agent, party):
    url = reverse("interactions:log", args=[party.pk])
    response = client_for(agent).post(
        url,
        {
            "channel": "phone",
            "direction": "in",
            "subject": "Pediu segunda via",
            "body": "Enviar por e-mail.",
            "duration": "4:30",
        },
        headers=HX,
    )
    assert response.status_code == 200
    item = Interaction.objects.get(party=party)
    assert (item.channel, item.direction, item.agent, item.duration_seconds) == (
        "phone",
        "in",
        agent,
        270,
    )
    page = html(response)
    assert 'id="log-form"' in page  # a fresh form
    assert 'hx-swap-oob="afterbegin:#timeline-items"' in page
    assert f'id="interaction-{item.pk}"' in page and "Pediu segunda via" in page
    assert 'hx-swap-oob="beforeend:#messages"' in page


def test_log_without_htmx_redirects_to_the_timeline(agent, party):
    response = client_for(agent).post(
        reverse("interactions:log", args=[party.pk]),
        {"channel": "visit", "direction": "out", "subject": "Visita técnica"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{party.pk}/#timeline"
    assert Interaction.objects.filter(party=party, channel="visit").exists()
    assert client_for(agent).get(reverse("interactions:log", args=[party.pk])).status_code == 200


def test_log_errors_come_back_in_the_form_and_nothing_is_written(agent, party, unchanged):
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    with unchanged():
        response = client_for(agent).post(
            reverse("interactions:log", args=[party.pk]),
            {"channel": "phone", "direction": "in", "occurred_at": future},
            headers=HX,
        )
        bad_duration = client_for(agent).post(
            reverse("interactions:log", args=[party.pk]),
            {"channel": "phone", "direction": "in", "duration": "muito"},
            headers=HX,
        )
        social = client_for(agent).post(
            reverse("interactions:log", args=[party.pk]),
            {"channel": "social", "direction": "in"},
            headers=HX,
        )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#log-form"
    assert response.context["form"].errors["occurred_at"]
    assert '<details class="log-more" open>' in html(response)
    assert bad_duration.status_code == 422 and bad_duration.context["form"].errors["duration"]
    assert social.status_code == 422 and social.context["form"].errors["network"]


def test_log_with_the_number_used_and_an_attachment(agent, party):
    phone = party.contact_points.get(kind="phone")
    upload = SimpleUploadedFile("carta.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client_for(agent).post(
        reverse("interactions:log", args=[party.pk]),
        {
            "channel": "phone",
            "direction": "in",
            "via": phone.value,
            "attachments": [upload],
        },
        headers=HX,
    )
    assert response.status_code == 200
    item = Interaction.objects.get(party=party)
    assert item.contact_point == phone
    attachment = item.attachments.get()
    assert attachment.filename == "carta.pdf"
    download = client_for(agent).get(reverse("interactions:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_marketing_sees_neither_bodies_nor_attachments_nor_the_form(marketer, agent, party):
    recorded = interaction_record(
        actor=agent,
        data={"channel": "email", "direction": "in", "subject": "Reclamação", "body": "SEGREDO"},
        party_id=party.pk,
        attachments=[NewAttachment("laudo.txt", b"conteudo")],
    )
    page = html(client_for(marketer).get(f"/customers/{party.pk}/"))
    assert "Reclamação" in page
    assert "SEGREDO" not in page
    assert 'class="tl-hidden' in page
    assert "laudo.txt" in page
    attachment = Attachment.objects.get(interaction=recorded.interaction)
    assert reverse("interactions:attachment", args=[attachment.pk]) not in page
    assert 'id="log-form"' not in page
    denied = client_for(marketer).get(reverse("interactions:attachment", args=[attachment.pk]))
    assert denied.status_code == 403
    assert "SEGREDO" in html(client_for(agent).get(f"/customers/{party.pk}/"))


def test_marketing_cannot_log(marketer, party, unchanged):
    with unchanged():
        response = client_for(marketer).post(
            reverse("interactions:log", args=[party.pk]),
            {"channel": "phone", "direction": "in"},
            headers=HX,
        )
    assert response.status_code == 403


def test_timeline_filters_by_channel_and_direction(agent, party):
    InteractionFactory(party=party, channel="phone", direction="in", subject="Ligação 1")
    InteractionFactory(party=party, channel="email", direction="out", subject="E-mail 1")
    url = reverse("interactions:timeline", args=[party.pk])
    client = client_for(agent)
    phone = client.get(url, {"channel": "phone"}, headers=HX)
    assert phone.status_code == 200
    assert "Ligação 1" in html(phone) and "E-mail 1" not in html(phone)
    assert 'id="timeline-body"' in html(phone)
    outbound = client.get(url, {"direction": "out"}, headers=HX)
    assert "E-mail 1" in html(outbound) and "Ligação 1" not in html(outbound)
    unknown = client.get(url, {"channel": "pigeon"}, headers=HX)
    assert "Ligação 1" in html(unknown) and "E-mail 1" in html(unknown)
    # without JavaScript the chips are links to the customer page
    page = html(client.get(f"/customers/{party.pk}/", {"channel": "email"}))
    assert "E-mail 1" in page and "Ligação 1" not in page


def test_timeline_loads_older_contacts_by_cursor(agent, party, django_assert_max_num_queries):
    for i in range(45):
        InteractionFactory(party=party, subject=f"Contato {i:02d}")
    client = client_for(agent)
    first = client.get(f"/customers/{party.pk}/")
    cursor = first.context["page"].next_cursor
    assert cursor
    url = reverse("interactions:timeline", args=[party.pk])
    with django_assert_max_num_queries(8):
        older = client.get(url, {"cursor": cursor}, headers=HX)
    page = html(older)
    assert page.count('class="tl-item ') == 20
    assert "Contato 24" in page and "Contato 44" not in page
    assert 'id="timeline-more"' in page
    last = client.get(url, {"cursor": older.context["page"].next_cursor}, headers=HX)
    assert html(last).count('class="tl-item ') == 5
    assert 'id="timeline-more"' not in html(last)
    mangled = client.get(url, {"cursor": "%%%"}, headers=HX)
    assert mangled.status_code == 200


def test_timeline_of_a_merged_party_is_not_found(manager, party):
    survivor = PartyFactory()
    party_services.party_merge(actor=manager, survivor_id=survivor.pk, merged_id=party.pk)
    url = reverse("interactions:timeline", args=[party.pk])
    assert client_for(manager).get(url, headers=HX).status_code == 404
    log = client_for(manager).post(
        reverse("interactions:log", args=[party.pk]), {"channel": "phone", "direction": "in"}
    )
    assert log.status_code == 302 and log["Location"] == f"/customers/{survivor.pk}/"


def test_home_shows_the_latest_contacts(agent, party):
    InteractionFactory(party=party, subject="Dúvida sobre a fatura", occurred_at=timezone.now())
    page = html(client_for(agent).get("/"))
    assert "Dúvida sobre a fatura" in page
    assert f"/customers/{party.pk}/#interaction-" in page


def test_a_long_body_is_folded_with_a_show_all(agent, party):
    InteractionFactory(party=party, body="palavra " * 200)
    page = html(client_for(agent).get(f"/customers/{party.pk}/"))
    assert '<details class="tl-long">' in page

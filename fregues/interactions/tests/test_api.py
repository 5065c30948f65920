"""/api/v1/interactions and /api/v1/parties/{id}/timeline: every contact, every channel."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.interactions.models import Attachment, Interaction
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import ContactPoint, LifecycleMove, Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Party:
    party = PartyFactory(name="Luíza Andrade")
    ContactPointFactory(party=party, kind="phone", value="+5511987654321")
    ContactPointFactory(party=party, kind="email", value="luiza.andrade@exemplo.com.br")
    return party


def record(api: Any, **body: Any) -> Any:
    body.setdefault("direction", "in")
    return api.post("/interactions", body)


CHANNELS = [
    ("phone", ""),
    ("email", ""),
    ("chat", ""),
    ("sms", ""),
    ("mms", ""),
    ("fax", ""),
    ("letter", ""),
    ("visit", ""),
    ("web_form", ""),
    ("portal", ""),
    ("social", "facebook"),
    ("social", "x"),
    ("social", "linkedin"),
    ("social", "whatsapp"),
    ("social", "instagram"),
]


@pytest.mark.parametrize(("channel", "network"), CHANNELS)
@pytest.mark.parametrize("direction", ["in", "out"])
def test_a_contact_is_recorded_on_every_channel_both_ways(
    api: Any, customer: Party, channel: str, network: str, direction: str
) -> None:
    response = record(
        api,
        party_id=customer.pk,
        channel=channel,
        network=network,
        direction=direction,
        subject="Pedido de assistência técnica",
        body="A máquina de lavar não liga.",
        outcome="chamado aberto",
        duration_seconds=300,
        occurred_at="2026-01-15T10:30:00-03:00",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["channel"], body["network"], body["direction"]) == (channel, network, direction)
    assert body["party_id"] == customer.pk
    assert body["party_name"] == "Luíza Andrade"
    assert body["agent"]["id"] == api.user.pk
    assert body["subject"] == "Pedido de assistência técnica"
    assert body["body"] == "A máquina de lavar não liga."
    assert body["outcome"] == "chamado aberto"
    assert body["duration_seconds"] == 300
    assert datetime.datetime.fromisoformat(body["occurred_at"]) == datetime.datetime(
        2026, 1, 15, 13, 30, tzinfo=datetime.UTC
    )
    assert body["created"] is True
    assert body["party_created"] is False


def test_recording_is_audited_and_lands_on_the_timeline(api: Any, customer: Party) -> None:
    created = record(api, party_id=customer.pk, channel="phone", subject="Segunda via").json()
    entry = AuditEntry.objects.get(entity_type="interactions.interaction", action="create")
    assert (entry.entity_id, entry.party_id, entry.actor) == (created["id"], customer.pk, api.user)
    assert entry.changes["channel"] == "phone"
    timeline = api.get(f"/parties/{customer.pk}/timeline").json()
    assert [i["id"] for i in timeline["items"]] == [created["id"]]


def test_the_agent_can_be_someone_else(api: Any, customer: Party, make_user: Any) -> None:
    colleague = make_user("agent")
    body = record(api, party_id=customer.pk, channel="visit", agent_id=colleague.pk).json()
    assert body["agent"]["id"] == colleague.pk


def test_the_regarding_seam_links_a_contact_to_what_it_concerns(api: Any, customer: Party) -> None:
    body = record(
        api, party_id=customer.pk, channel="email", regarding_type="case", regarding_id=42
    ).json()
    assert (body["regarding_type"], body["regarding_id"]) == ("case", 42)


# --- identity resolution ---


@pytest.mark.parametrize(
    ("channel", "address", "network"),
    [
        ("phone", "(11) 98765-4321", ""),
        ("phone", "011 98765 4321", ""),
        ("sms", "+55 11 98765-4321", ""),
        ("fax", "5511987654321", ""),
        ("phone", "(11) 8765-4321", ""),
        ("email", "Luiza.Andrade@EXEMPLO.com.br", ""),
        ("chat", "luiza.andrade@exemplo.com.br", ""),
        ("web_form", "11 98765 4321", ""),
        ("social", "(11) 98765-4321", "whatsapp"),
    ],
)
def test_recording_by_address_finds_the_party_in_any_written_form(
    api: Any, customer: Party, unchanged: Any, channel: str, address: str, network: str
) -> None:
    parties = Party.objects.count()
    response = record(api, channel=channel, address=address, network=network)
    assert response.status_code == 201, response.json()
    assert response.json()["party_id"] == customer.pk
    assert response.json()["party_created"] is False
    assert response.json()["channel_address"] == address
    assert Party.objects.count() == parties


def test_recording_by_handle_finds_the_party(api: Any, customer: Party) -> None:
    ContactPoint.objects.create(
        party=customer,
        kind="social",
        network="instagram",
        value="@luiza.andrade",
        normalized="luiza.andrade",
    )
    response = record(api, channel="social", network="instagram", address="@Luiza.Andrade")
    assert response.json()["party_id"] == customer.pk


def test_an_unknown_address_creates_a_suspect_holding_it(api: Any, customer: Party) -> None:
    response = record(api, channel="sms", address="(21) 99123-4567", name="Rafael")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["party_created"] is True
    suspect = Party.objects.get(pk=body["party_id"])
    assert suspect.name == "Rafael"
    assert suspect.lifecycle_stage == "suspect"
    assert suspect.kind == "person"
    assert list(suspect.contact_points.values_list("kind", "normalized")) == [
        ("phone", "+5521991234567")
    ]
    move = LifecycleMove.objects.get(party=suspect)
    assert (move.to_stage, move.reason) == ("suspect", "first contact on sms")
    assert AuditEntry.objects.filter(
        party_id=suspect.pk, entity_type="parties.party", action="create"
    ).exists()
    # the next message from the same number, written differently, finds the suspect
    again = record(api, channel="phone", address="+55 21 99123 4567").json()
    assert again["party_id"] == suspect.pk
    assert again["party_created"] is False
    assert api.get("/parties/lookup", {"phone": "21991234567"}).json()["id"] == suspect.pk


def test_an_unknown_email_creates_a_suspect_named_after_it(api: Any) -> None:
    body = record(api, channel="email", address="Novo.Cliente@Exemplo.com").json()
    suspect = Party.objects.get(pk=body["party_id"])
    assert suspect.name == "novo.cliente@exemplo.com"
    assert suspect.contact_points.get().normalized == "novo.cliente@exemplo.com"


def test_a_whatsapp_number_matches_the_partys_phone(api: Any, customer: Party) -> None:
    body = record(api, channel="social", network="whatsapp", address="+55 (11) 98765-4321").json()
    assert body["party_id"] == customer.pk
    assert body["party_created"] is False


def test_roles_that_may_not_create_parties_get_403_for_an_unknown_address(
    api_as: Any, unchanged: Any
) -> None:
    quality = api_as("quality_manager")
    with unchanged():
        response = record(quality, channel="phone", address="(21) 99123-4567")
    assert response.status_code == 403


# --- idempotency ---


def test_the_same_message_delivered_twice_is_stored_once(api: Any, customer: Party) -> None:
    first = record(
        api,
        channel="email",
        address="luiza.andrade@exemplo.com.br",
        external_id="<msg-1@exemplo.com.br>",
        subject="Olá",
    )
    assert first.status_code == 201
    with_counts = Interaction.objects.count(), AuditEntry.objects.count()
    second = record(
        api,
        channel="email",
        address="luiza.andrade@exemplo.com.br",
        external_id="<msg-1@exemplo.com.br>",
        subject="Olá (reenviado)",
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["subject"] == "Olá"
    assert second.json()["created"] is False
    assert (Interaction.objects.count(), AuditEntry.objects.count()) == with_counts


def test_the_same_redelivered_message_from_an_unknown_address_creates_one_suspect(
    api: Any,
) -> None:
    for _ in range(3):
        record(api, channel="sms", address="(21) 99123-4567", external_id="sms-77")
    assert Party.objects.count() == 1
    assert Interaction.objects.count() == 1


def test_the_same_external_id_on_another_channel_is_another_message(
    api: Any, customer: Party
) -> None:
    assert record(api, party_id=customer.pk, channel="sms", external_id="77").status_code == 201
    assert record(api, party_id=customer.pk, channel="chat", external_id="77").status_code == 201


# --- attachments ---


def test_attachments_in_base64(api: Any, customer: Party) -> None:
    content = b"%PDF-1.4 carta digitalizada"
    response = record(
        api,
        party_id=customer.pk,
        channel="letter",
        attachments=[
            {"filename": "carta.pdf", "content_base64": base64.b64encode(content).decode()},
            {
                "filename": "foto.jpg",
                "content_base64": base64.b64encode(b"\xff\xd8jpeg").decode(),
                "content_type": "image/jpeg",
            },
        ],
    )
    assert response.status_code == 201, response.json()
    files = response.json()["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("carta.pdf", "application/pdf", len(content)),
        ("foto.jpg", "image/jpeg", 6),
    ]
    stored = Attachment.objects.get(filename="carta.pdf")
    assert stored.file.read() == content


def test_bad_base64_is_422_and_writes_nothing(api: Any, customer: Party, unchanged: Any) -> None:
    with unchanged():
        response = record(
            api,
            party_id=customer.pk,
            channel="letter",
            attachments=[{"filename": "carta.pdf", "content_base64": "não é base64!"}],
        )
    assert response.status_code == 422
    assert "attachments.0.content_base64" in response.json()["errors"]


def test_a_too_large_attachment_is_422(
    api: Any, customer: Party, unchanged: Any, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10
    with unchanged():
        response = record(
            api,
            party_id=customer.pk,
            channel="letter",
            attachments=[
                {"filename": "grande.bin", "content_base64": base64.b64encode(b"x" * 11).decode()}
            ],
        )
    assert response.status_code == 422
    assert "attachments.0" in response.json()["errors"]


def test_a_multipart_upload_attaches_a_file(api: Any, customer: Party) -> None:
    created = record(api, party_id=customer.pk, channel="visit").json()
    upload = SimpleUploadedFile(
        "relatório visita.txt", "Visita técnica ok".encode(), content_type="text/plain"
    )
    response = api.upload(f"/interactions/{created['id']}/attachments", {"file": upload})
    assert response.status_code == 201, response.json()
    assert response.json()["attachments"][0]["filename"] == "relatório visita.txt"
    assert response.json()["attachments"][0]["size"] == len("Visita técnica ok".encode())
    assert AuditEntry.objects.filter(
        entity_type="interactions.attachment", party_id=customer.pk
    ).exists()


def test_uploading_to_an_unknown_interaction_is_404(api: Any, unchanged: Any) -> None:
    upload = SimpleUploadedFile("a.txt", b"a")
    with unchanged():
        assert api.upload("/interactions/999999/attachments", {"file": upload}).status_code == 404


# --- bad input ---


BAD = [
    ("unknown channel", {"channel": "pombo-correio"}, "channel"),
    ("missing channel", {"channel": None}, "channel"),
    ("bad direction", {"direction": "sideways"}, "direction"),
    ("social without network", {"channel": "social"}, "network"),
    ("unknown network", {"channel": "social", "network": "orkut"}, "network"),
    ("in the future", {"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
    ("not a date", {"occurred_at": "ontem"}, "occurred_at"),
    ("negative duration", {"duration_seconds": -5}, "duration_seconds"),
    ("absurd duration", {"duration_seconds": 10**6}, "duration_seconds"),
    ("subject too long", {"subject": "x" * 301}, "subject"),
    ("regarding without id", {"regarding_type": "case"}, "regarding_id"),
    ("unknown agent", {"agent_id": 999999}, "agent_id"),
    ("neither party nor address", {"party_id": None}, "party_id"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_interactions_are_422_naming_the_field_and_write_nothing(
    api: Any, customer: Party, unchanged: Any, case: str, change: dict[str, Any], field: str
) -> None:
    body = {"party_id": customer.pk, "channel": "phone", "direction": "in", **change}
    body = {k: v for k, v in body.items() if v is not None}
    with unchanged():
        response = api.post("/interactions", body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    ("channel", "address", "field"),
    [
        ("phone", "não é telefone", "address"),
        ("email", "luiza@", "address"),
        ("letter", "Rua A, 1", "address"),
        ("visit", "Rua A, 1", "address"),
    ],
)
def test_an_address_that_cannot_identify_anyone_is_422(
    api: Any, unchanged: Any, channel: str, address: str, field: str
) -> None:
    with unchanged():
        response = record(api, channel=channel, address=address)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]


def test_recording_for_an_unknown_party_is_404(api: Any, unchanged: Any) -> None:
    with unchanged():
        assert record(api, party_id=999999, channel="phone").status_code == 404


# --- reading ---


def test_get_an_interaction(api: Any, customer: Party) -> None:
    created = record(api, party_id=customer.pk, channel="chat", body="Oi!").json()
    response = api.get(f"/interactions/{created['id']}")
    assert response.status_code == 200
    assert response.json()["body"] == "Oi!"
    assert api.get("/interactions/999999").status_code == 404


def test_marketing_sees_contacts_but_never_their_bodies(
    api: Any, marketing_api: Any, customer: Party
) -> None:
    created = record(
        api,
        party_id=customer.pk,
        channel="email",
        subject="Reclamação",
        body="Dados sensíveis do cliente",
    ).json()
    single = marketing_api.get(f"/interactions/{created['id']}").json()
    assert single["subject"] == "Reclamação"
    assert single["body"] is None
    listed = marketing_api.get("/interactions").json()["items"]
    assert [i["body"] for i in listed] == [None]
    timeline = marketing_api.get(f"/parties/{customer.pk}/timeline").json()["items"]
    assert [i["body"] for i in timeline] == [None]
    assert (
        "Dados sensíveis"
        not in marketing_api.get(f"/parties/{customer.pk}/timeline").content.decode()
    )


@pytest.mark.parametrize(
    "role", ["agent", "relationship_manager", "quality_manager", "sales", "admin"]
)
def test_every_other_role_reads_bodies(api_as: Any, customer: Party, role: str) -> None:
    item = InteractionFactory(party=customer, body="Texto")
    assert api_as(role).get(f"/interactions/{item.pk}").json()["body"] == "Texto"


def test_who_may_record(api_as: Any, customer: Party, unchanged: Any) -> None:
    for role in ("agent", "relationship_manager", "quality_manager", "sales", "admin"):
        assert record(api_as(role), party_id=customer.pk, channel="phone").status_code == 201
    marketing = api_as("marketing")
    with unchanged():
        assert record(marketing, party_id=customer.pk, channel="phone").status_code == 403


def test_the_interaction_list_filters(api: Any, customer: Party, make_user: Any) -> None:
    other_party = PartyFactory()
    colleague = make_user("agent")
    now = timezone.now()
    old = InteractionFactory(
        party=customer,
        channel="email",
        direction="out",
        occurred_at=now - datetime.timedelta(days=30),
        agent=colleague,
    )
    recent = InteractionFactory(
        party=customer,
        channel="phone",
        direction="in",
        occurred_at=now - datetime.timedelta(days=1),
        agent=colleague,
    )
    elsewhere = InteractionFactory(
        party=other_party, channel="phone", occurred_at=now - datetime.timedelta(days=2)
    )

    def ids(**params: Any) -> list[int]:
        response = api.get("/interactions", params)
        assert response.status_code == 200, response.json()
        return [i["id"] for i in response.json()["items"]]

    assert ids() == [recent.pk, elsewhere.pk, old.pk]
    assert ids(party_id=customer.pk) == [recent.pk, old.pk]
    assert ids(channel="phone") == [recent.pk, elsewhere.pk]
    assert ids(direction="out") == [old.pk]
    assert ids(agent_id=colleague.pk) == [recent.pk, old.pk]
    assert ids(since=(now - datetime.timedelta(days=3)).isoformat()) == [recent.pk, elsewhere.pk]
    assert ids(until=(now - datetime.timedelta(days=3)).isoformat()) == [old.pk]
    assert api.get("/interactions", {"since": "ontem"}).status_code == 422


def test_the_timeline_pages_newest_first_by_cursor(api: Any, customer: Party) -> None:
    same_moment = timezone.now() - datetime.timedelta(hours=1)
    items = [InteractionFactory(party=customer, occurred_at=same_moment) for _ in range(3)]
    items += [InteractionFactory(party=customer) for _ in range(8)]
    expected = [i.pk for i in sorted(items, key=lambda i: (i.occurred_at, i.pk), reverse=True)]
    InteractionFactory()  # someone else's
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = api.get(f"/parties/{customer.pk}/timeline", params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected


def test_the_timeline_filters_by_channel_and_direction(api: Any, customer: Party) -> None:
    phone = InteractionFactory(party=customer, channel="phone", direction="in")
    email = InteractionFactory(party=customer, channel="email", direction="out")
    InteractionFactory(party=customer, channel="visit", direction="out")
    url = f"/parties/{customer.pk}/timeline"
    assert [i["id"] for i in api.get(url, {"channel": "phone"}).json()["items"]] == [phone.pk]
    both = api.get(f"{url}?channel=phone&channel=email").json()["items"]
    assert {i["id"] for i in both} == {phone.pk, email.pk}
    assert [
        i["id"] for i in api.get(url, {"direction": "out", "channel": "email"}).json()["items"]
    ] == [email.pk]


def test_the_timeline_of_an_unknown_or_merged_party_is_404(api: Any, customer: Party) -> None:
    assert api.get("/parties/999999/timeline").status_code == 404
    other = PartyFactory()
    Party.objects.filter(pk=other.pk).update(merged_into=customer)
    assert api.get(f"/parties/{other.pk}/timeline").status_code == 404


def test_a_bad_timeline_cursor_is_422(api: Any, customer: Party) -> None:
    response = api.get(f"/parties/{customer.pk}/timeline", {"cursor": "%%%"})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


# --- deleting ---


def test_only_admins_delete_a_contact_and_it_is_audited(
    api: Any, admin_api: Any, customer: Party, api_as: Any, unchanged: Any
) -> None:
    created = record(
        api,
        party_id=customer.pk,
        channel="letter",
        subject="Engano",
        attachments=[{"filename": "a.txt", "content_base64": base64.b64encode(b"a").decode()}],
    ).json()
    for role in ("agent", "relationship_manager", "marketing"):
        caller = api_as(role)
        with unchanged():
            assert caller.delete(f"/interactions/{created['id']}").status_code == 403
    assert admin_api.delete(f"/interactions/{created['id']}").status_code == 204
    assert api.get(f"/interactions/{created['id']}").status_code == 404
    assert not Attachment.objects.exists()
    entry = AuditEntry.objects.get(entity_type="interactions.interaction", action="delete")
    assert (entry.entity_id, entry.party_id, entry.actor) == (
        created["id"],
        customer.pk,
        admin_api.user,
    )
    assert entry.changes["subject"] == "Engano"
    assert admin_api.delete(f"/interactions/{created['id']}").status_code == 404

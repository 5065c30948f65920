"""The interaction services called directly (connectors, importers and other apps do)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from fregues.core.errors import Forbidden, Invalid, NotFound
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.interactions.services import (
    NewAttachment,
    interaction_attach,
    interaction_delete,
    interaction_link,
    interaction_record,
)
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_a_local_time_without_zone_is_read_in_the_offices_zone() -> None:
    party = PartyFactory()
    recorded = interaction_record(
        actor=None,
        party_id=party.pk,
        data={"channel": "visit", "direction": "out", "occurred_at": "2026-03-10T09:00:00"},
    )
    assert recorded.interaction.occurred_at == datetime.datetime(
        2026, 3, 10, 12, 0, tzinfo=datetime.UTC
    )


def test_a_contact_by_party_and_address_points_at_the_contact_point() -> None:
    party = PartyFactory()
    point = ContactPointFactory(party=party, value="+5511987654321")
    recorded = interaction_record(
        actor=None,
        party_id=party.pk,
        address="(11) 98765-4321",
        data={"channel": "phone", "direction": "in"},
    )
    assert recorded.interaction.contact_point_id == point.pk
    assert recorded.interaction.channel_address == "(11) 98765-4321"


def test_recording_emits_an_event_with_the_change() -> None:
    party = PartyFactory()
    recorded = interaction_record(
        actor=None, party_id=party.pk, data={"channel": "sms", "direction": "out"}
    )
    event = OutboxEvent.objects.get(name="interaction.recorded")
    assert event.payload == {
        "interaction_id": recorded.interaction.pk,
        "party_id": party.pk,
        "channel": "sms",
        "direction": "out",
    }


def test_the_system_records_without_an_agent() -> None:
    party = PartyFactory()
    recorded = interaction_record(
        actor=None, party_id=party.pk, data={"channel": "portal", "direction": "in"}
    )
    assert recorded.interaction.agent_id is None
    assert AuditEntry.objects.get(entity_type="interactions.interaction").actor_name == "system"


def test_attach_and_delete_keep_storage_clean(agent: Any, admin: Any) -> None:
    item = InteractionFactory()
    stored = interaction_attach(
        actor=agent, interaction_id=item.pk, attachment=NewAttachment("../../etc/passwd", b"x")
    )
    media = Path(settings.MEDIA_ROOT).resolve()
    assert Path(stored.file.path).resolve().parent.parent.parent == media / "attachments"
    assert "/" not in stored.filename
    assert default_storage.exists(stored.file.name)
    assert stored.file.name.startswith(f"attachments/{timezone.now():%Y/%m}/")
    interaction_delete(actor=admin, interaction_id=item.pk)
    assert not default_storage.exists(stored.file.name)
    with pytest.raises(NotFound):
        interaction_delete(actor=admin, interaction_id=item.pk)


def test_attach_refuses_a_nameless_file_and_unknown_interactions(agent: Any) -> None:
    item = InteractionFactory()
    with pytest.raises(Invalid):
        interaction_attach(actor=agent, interaction_id=item.pk, attachment=NewAttachment("", b"x"))
    with pytest.raises(NotFound):
        interaction_attach(
            actor=agent, interaction_id=999999, attachment=NewAttachment("a.txt", b"x")
        )
    assert not item.attachments.exists()


def test_link_says_what_a_contact_concerns_and_is_audited(agent: Any, marketer: Any) -> None:
    item = InteractionFactory()
    interaction_link(actor=agent, interaction_id=item.pk, regarding_type="case", regarding_id=7)
    item.refresh_from_db()
    assert (item.regarding_type, item.regarding_id) == ("case", 7)
    entry = AuditEntry.objects.get(entity_type="interactions.interaction", action="update")
    assert entry.changes == {"regarding": [["", None], ["case", 7]]}
    interaction_link(actor=agent, interaction_id=item.pk, regarding_type="case", regarding_id=7)
    assert AuditEntry.objects.filter(action="update").count() == 1
    with pytest.raises(Forbidden):
        interaction_link(
            actor=marketer, interaction_id=item.pk, regarding_type="case", regarding_id=8
        )


def test_all_errors_of_a_contact_at_once() -> None:
    with pytest.raises(Invalid) as caught:
        interaction_record(
            actor=None, data={"channel": "pombo", "direction": "x", "duration_seconds": -1}
        )
    assert {"channel", "direction", "duration_seconds", "party_id"} <= set(caught.value.errors)
    assert not Interaction.objects.exists()

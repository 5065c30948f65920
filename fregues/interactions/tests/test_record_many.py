"""Recording many contacts at once (importers, the demo): all or nothing, idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.errors import Invalid
from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record_many
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


def _rows(party_id: int, n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "party_id": party_id,
            "channel": "phone",
            "direction": "in",
            "subject": f"call {i}",
            "external_id": f"pbx-{i}",
            "duration_seconds": 60,
        }
        for i in range(n)
    ]


def test_a_batch_lands_on_the_timeline_with_one_audit_entry_per_contact(agent: Any) -> None:
    party = PartyFactory()
    result = interaction_record_many(actor=agent, rows=_rows(party.pk))
    assert result == {"created": 3, "skipped": 0}
    assert Interaction.objects.filter(party=party, agent=agent).count() == 3
    assert (
        AuditEntry.objects.filter(entity_type="interactions.interaction", party_id=party.pk).count()
        == 3
    )


def test_running_the_same_batch_twice_changes_nothing(agent: Any) -> None:
    party = PartyFactory()
    interaction_record_many(actor=agent, rows=_rows(party.pk))
    again = interaction_record_many(actor=agent, rows=_rows(party.pk))
    assert again == {"created": 0, "skipped": 3}
    assert Interaction.objects.count() == 3


def test_one_bad_row_rejects_the_batch_and_names_the_row(agent: Any) -> None:
    party = PartyFactory()
    rows = _rows(party.pk)
    rows[1]["channel"] = "pigeon"
    rows[2]["party_id"] = 999_999
    with pytest.raises(Invalid) as caught:
        interaction_record_many(actor=agent, rows=rows)
    assert set(caught.value.errors) == {"rows.1.channel", "rows.2.party_id"}
    assert Interaction.objects.count() == 0


def test_marketing_cannot_record(marketer: Any) -> None:
    from fregues.core.errors import Forbidden

    with pytest.raises(Forbidden):
        interaction_record_many(actor=marketer, rows=_rows(PartyFactory().pk))

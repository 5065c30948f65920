"""The party services called directly, as importers, tasks and other apps call them."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from fregues.core.errors import Conflict, Forbidden, Invalid, NotFound, VersionConflict
from fregues.core.models import AuditEntry
from fregues.parties.models import Affiliation, ContactPoint, Party
from fregues.parties.selectors import party_search
from fregues.parties.services import (
    affiliation_add,
    affiliation_remove,
    contact_point_add,
    contact_point_remove,
    contact_point_update,
    external_id_add,
    lifecycle_move,
    note_add,
    party_create,
    party_merge,
    party_resolve,
    party_update,
)
from fregues.parties.services.common import party_for_update, search_document
from fregues.parties.tests.factories import ContactPointFactory, OrganizationFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_party_resolve_finds_by_any_written_form_and_whatsapp_by_phone() -> None:
    party = PartyFactory()
    point = ContactPointFactory(party=party, value="+5521991234567")
    for channel, address, network in [
        ("phone", "(21) 99123-4567", ""),
        ("sms", "21991234567", ""),
        ("social", "+55 21 99123 4567", "whatsapp"),
    ]:
        found, found_point, created = party_resolve(
            actor=None, channel=channel, address=address, network=network
        )
        assert (found.pk, found_point.pk, created) == (party.pk, point.pk, False)


def test_party_resolve_creates_one_suspect_then_finds_it(agent: Any) -> None:
    party, point, created = party_resolve(
        actor=agent, channel="email", address="Nova@Exemplo.com", name="Nova Pessoa"
    )
    assert created
    assert (party.name, party.lifecycle_stage, point.normalized) == (
        "Nova Pessoa",
        "suspect",
        "nova@exemplo.com",
    )
    again, _point, created_again = party_resolve(
        actor=agent, channel="chat", address="nova@exemplo.com"
    )
    assert (again.pk, created_again) == (party.pk, False)
    assert Party.objects.count() == 1


def test_party_resolve_refuses_an_address_that_is_not_one() -> None:
    with pytest.raises(Invalid) as caught:
        party_resolve(actor=None, channel="phone", address="ramal 22")
    assert caught.value.code == "invalid_address"
    assert caught.value.errors["address"]
    assert not Party.objects.exists()


def test_party_resolve_only_creates_for_roles_that_may(make_user: Any) -> None:
    PartyFactory()
    ContactPointFactory(value="+5521991234567")
    quality = make_user("quality_manager")
    found, _point, _created = party_resolve(actor=quality, channel="phone", address="21991234567")
    assert found is not None
    with pytest.raises(Forbidden):
        party_resolve(actor=quality, channel="phone", address="21 99999 0000")


def test_unsetting_the_primary_hands_it_to_another_of_the_kind() -> None:
    party = PartyFactory()
    first = contact_point_add(
        actor=None, party_id=party.pk, data={"kind": "email", "value": "a@exemplo.com"}
    )
    second = contact_point_add(
        actor=None, party_id=party.pk, data={"kind": "email", "value": "b@exemplo.com"}
    )
    contact_point_update(
        actor=None, party_id=party.pk, point_id=first.pk, data={"is_primary": False}
    )
    primaries = list(ContactPoint.objects.filter(party=party, is_primary=True))
    assert [p.pk for p in primaries] == [second.pk]


def test_the_only_contact_point_of_a_kind_stays_primary() -> None:
    party = PartyFactory()
    only = contact_point_add(
        actor=None, party_id=party.pk, data={"kind": "phone", "value": "11987654321"}
    )
    contact_point_update(
        actor=None, party_id=party.pk, point_id=only.pk, data={"is_primary": False}
    )
    assert ContactPoint.objects.get(pk=only.pk).is_primary


def test_removing_every_contact_point_leaves_a_clean_party() -> None:
    party = PartyFactory()
    points = [
        contact_point_add(
            actor=None, party_id=party.pk, data={"kind": "email", "value": f"{i}@exemplo.com"}
        )
        for i in range(3)
    ]
    for point in points:
        contact_point_remove(actor=None, party_id=party.pk, point_id=point.pk)
    assert not ContactPoint.objects.filter(party=party).exists()
    assert "exemplo" not in Party.objects.get(pk=party.pk).search_text


def test_the_search_document_covers_names_ids_emails_phones_and_external_codes() -> None:
    party = party_create(
        actor=None,
        data={"kind": "person", "name": "José Ávila", "tax_id": "123.456.789-09"},
        contact_points=[
            {"kind": "email", "value": "Jose@Exemplo.com"},
            {"kind": "phone", "value": "(11) 98765-4321"},
            {"kind": "address", "value": "Rua Secreta, 1"},
        ],
        external_ids=[{"source": "erp", "code": "ABC-9"}],
    )
    document = search_document(party)
    for piece in ("jose avila", "12345678909", "jose@exemplo.com", "5511987654321", "abc-9"):
        assert piece in document
    assert "secreta" not in document


def test_party_search_puts_names_starting_with_the_query_first() -> None:
    for name in ("Ana Beatriz Lima", "Beatriz Souza", "Maria Beatriz"):
        party_create(actor=None, data={"kind": "person", "name": name})
    names = [p.name for p in party_search(actor=None, q="beatriz")]
    assert names[0] == "Beatriz Souza"
    assert sorted(names) == ["Ana Beatriz Lima", "Beatriz Souza", "Maria Beatriz"]
    assert party_search(actor=None, q="  ") == []


def test_party_update_version_and_audit() -> None:
    party = party_create(actor=None, data={"kind": "person", "name": "Ana"})
    party_update(actor=None, party_id=party.pk, data={"name": "Ana Maria"}, version=1)
    with pytest.raises(VersionConflict):
        party_update(actor=None, party_id=party.pk, data={"name": "Ana Clara"}, version=1)
    assert Party.objects.get(pk=party.pk).name == "Ana Maria"
    assert AuditEntry.objects.filter(party_id=party.pk, action="update").count() == 1


def test_changing_the_country_revalidates_the_tax_id() -> None:
    party = party_create(
        actor=None, data={"kind": "person", "name": "Ana", "tax_id": "123.456.789-09"}
    )
    with pytest.raises(Invalid) as caught:
        party_update(actor=None, party_id=party.pk, data={"country": "PT"})
    assert "tax_id" in caught.value.errors
    updated = party_update(
        actor=None, party_id=party.pk, data={"country": "PT", "tax_id": "123456789"}
    )
    assert (updated.tax_id, updated.tax_id_kind) == ("123456789", "nif")


def test_notes_external_ids_and_affiliations() -> None:
    person, org = PartyFactory(), OrganizationFactory()
    note = note_add(actor=None, party_id=person.pk, body="  Cliente desde 2019.  ")
    assert note.body == "Cliente desde 2019."
    first = external_id_add(actor=None, party_id=person.pk, source="ERP", code="X1")
    again = external_id_add(actor=None, party_id=person.pk, source="erp", code="X1")
    assert first.pk == again.pk
    with pytest.raises(Conflict):
        external_id_add(actor=None, party_id=PartyFactory().pk, source="erp", code="X1")
    link = affiliation_add(actor=None, person_id=person.pk, organization_id=org.pk, role="CEO")
    assert (
        affiliation_add(actor=None, person_id=person.pk, organization_id=org.pk, role="CEO").pk
        == link.pk
    )
    with pytest.raises(Invalid):
        affiliation_add(actor=None, person_id=org.pk, organization_id=person.pk)
    affiliation_remove(actor=None, affiliation_id=link.pk)
    assert not Affiliation.objects.exists()
    assert AuditEntry.objects.filter(entity_type="parties.affiliation", action="delete").exists()
    with pytest.raises(NotFound):
        affiliation_remove(actor=None, affiliation_id=link.pk)


def test_nothing_can_be_added_to_a_merged_party() -> None:
    survivor, merged = PartyFactory(), PartyFactory()
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=merged.pk)
    for call in (
        lambda: note_add(actor=None, party_id=merged.pk, body="x"),
        lambda: contact_point_add(
            actor=None, party_id=merged.pk, data={"kind": "email", "value": "x@exemplo.com"}
        ),
        lambda: lifecycle_move(actor=None, party_id=merged.pk, to_stage="prospect"),
        lambda: party_merge(actor=None, survivor_id=merged.pk, merged_id=survivor.pk),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.code == "merged"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_waits_for_an_edit_in_flight_and_then_refuses_its_stale_version() -> None:
    """Two people save the same customer at the same moment: the second save waits for the
    first, sees that the version moved on, and is refused (nothing silently overwritten)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks between concurrent connections (PostgreSQL)")
    party = party_create(actor=None, data={"kind": "person", "name": "Original"})
    locked, second_started = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first_editor() -> None:
        try:
            with transaction.atomic():
                row = party_for_update(party.pk)
                locked.set()
                second_started.wait(5)
                time.sleep(0.5)  # the second save is now waiting on the lock
                Party.objects.filter(pk=row.pk).update(name="Primeiro", version=row.version + 1)
        finally:
            connection.close()

    def second_editor() -> None:
        try:
            locked.wait(5)
            second_started.set()
            party_update(actor=None, party_id=party.pk, data={"name": "Segundo"}, version=1)
            outcome["second"] = "saved"
        except VersionConflict:
            outcome["second"] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=first_editor), threading.Thread(target=second_editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcome == {"second": "conflict"}
    assert Party.objects.get(pk=party.pk).name == "Primeiro"

"""Erasure: the customer is gone from every table, file and index; what reports count stays;
their suppressed address still stops every sender; legal holds block it until justified."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from fregues.core.errors import Conflict
from fregues.core.models import AuditEntry
from fregues.core.text import digits
from fregues.integrations.models import ImportJob
from fregues.interactions.models import Attachment, Interaction
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import ContactPoint, Party
from fregues.parties.selectors import party_search, suppressions_for
from fregues.parties.services import party_create
from fregues.parties.services.suppression import suppression_add
from fregues.parties.tests.factories import make_cpf
from fregues.portal.models import PortalSession
from fregues.portal.services import portal_session_open
from fregues.portal.services.privacy import privacy_erasure_execute
from fregues.sales.tests.factories import OrderFactory
from fregues.service.models import Case
from fregues.service.services.cases import case_open

pytestmark = pytest.mark.django_db

NAME = "Zuleica Quarterbridge"
EMAIL = "zuleica.quarterbridge@exemplo.com"
PHONE = "+5511987650123"
STREET = "Rua Quixabeira Encantada"


def _text_columns(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.is_relation
    ]


def _rows_holding(secrets: list[str]) -> list[str]:
    """Every (table, column) of every model whose text holds one of ``secrets``."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("fregues."):
            continue
        for name in _text_columns(model):
            column = model._default_manager.annotate(_t=Cast(name, TextField()))
            forms = {form for s in secrets for form in (s, json.dumps(s)[1:-1])}
            anywhere = Q()
            for form in forms:
                anywhere |= Q(_t__icontains=form)
            if not column.filter(anywhere).exists():
                continue
            for secret in secrets:
                for form in {secret, json.dumps(secret)[1:-1]}:
                    if column.filter(_t__icontains=form).exists():
                        found.append(f"{model._meta.label}.{name} holds {secret!r}")
    return found


@pytest.fixture
def customer(manager: Any) -> Party:
    tax_id = make_cpf(987_654_321)
    party = party_create(
        actor=manager,
        data={
            "kind": "person",
            "given_name": "Zuleica",
            "family_name": "Quarterbridge",
            "name": NAME,
            "tax_id": tax_id,
        },
        contact_points=[{"kind": "email", "value": EMAIL}, {"kind": "phone", "value": PHONE}],
    )
    ContactPoint.objects.create(
        party=party,
        kind="address",
        value=f"{STREET}, 77",
        street=STREET,
        number="77",
        city="Recife",
    )
    chat = InteractionFactory(
        party=party, subject=f"Ligação de {NAME}", body=f"{NAME} pediu retorno em {PHONE}"
    )
    Attachment.objects.create(
        interaction=chat,
        file=ContentFile(f"RG de {NAME}".encode(), name="rg.txt"),
        filename="rg-zuleica-quarterbridge.txt",
        size=10,
    )
    opened = case_open(
        actor=manager,
        party_id=party.pk,
        case_type="technical-assistance",
        subject=f"Geladeira de {NAME}",
        description=f"Endereço {STREET}",
        notify=False,
    )
    Case.objects.filter(pk=opened.case.pk).update(is_open=False)
    suppression_add(actor=manager, kind="email", address=EMAIL, reason="unsubscribe")
    OrderFactory(party=party, payment_state="paid", total="150.00", notes=f"Entregar a {NAME}")
    job = ImportJob.objects.create(kind="parties", filename="clientes.csv")
    job.file.save(
        "clientes.csv",
        ContentFile(f"name,email\n{NAME},{EMAIL}\nOutra Pessoa,outra@exemplo.com\n".encode()),
    )
    party.refresh_from_db()
    return party


def test_erasure_leaves_no_trace_of_the_person_in_any_table(customer: Party, manager: Any) -> None:
    secrets = [
        NAME,
        "Quarterbridge",
        EMAIL,
        PHONE,
        digits(PHONE),
        customer.tax_id,
        digits(customer.tax_id),
        STREET,
    ]
    assert _rows_holding(secrets), "the set-up should spread the person everywhere"
    portal_session_open(party=customer, ip="127.0.0.1")

    privacy_erasure_execute(actor=manager, party=customer)

    assert _rows_holding(secrets) == []
    customer.refresh_from_db()
    assert customer.anonymised_at is not None
    # the search index forgot the name (FTS5 on SQLite, trigram on PostgreSQL)
    assert party_search(actor=manager, q="Quarterbridge") == []
    assert party_search(actor=manager, q=EMAIL) == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM parties_party_fts WHERE parties_party_fts MATCH ?",
                ['"quarterbridge"'],
            )
            assert cursor.fetchone()[0] == 0
    # the files: the attachment is gone, the import file lost her line only
    assert not Attachment.objects.exists()
    job = ImportJob.objects.get()
    content = job.file.read().decode()
    assert "Quarterbridge" not in content and "Outra Pessoa" in content
    # no portal session survives
    assert not PortalSession.objects.filter(party=customer, ended_at__isnull=True).exists()


def test_erasure_keeps_what_reports_count(customer: Party, manager: Any) -> None:
    privacy_erasure_execute(actor=manager, party=customer)

    assert Interaction.objects.filter(party=customer, channel="phone").count() >= 1
    case = Case.objects.get(party=customer)
    assert case.case_type.code == "technical-assistance" and case.created_at
    order = customer.orders.get()
    assert str(order.total) == "150.00" and order.payment_state == "paid"
    entry = AuditEntry.objects.filter(party_id=customer.pk, action="privacy.erasure").get()
    assert entry.changes["rows"]


def test_a_suppressed_address_stays_suppressed_after_erasure(customer: Party, manager: Any) -> None:
    privacy_erasure_execute(actor=manager, party=customer)

    assert suppressions_for(kind="email", addresses=[EMAIL]) == {EMAIL: ["unsubscribe"]}


def test_erasure_is_idempotent(customer: Party, manager: Any) -> None:
    privacy_erasure_execute(actor=manager, party=customer)
    entries = AuditEntry.objects.count()

    again = privacy_erasure_execute(actor=manager, party=customer)

    assert again.anonymised_at is not None
    assert AuditEntry.objects.count() == entries


def test_legal_holds_block_erasure_until_justified(customer: Party, manager: Any) -> None:
    OrderFactory(party=customer, payment_state="unpaid")

    with pytest.raises(Conflict) as refused:
        privacy_erasure_execute(actor=manager, party=customer)

    assert refused.value.code == "legal_hold"
    assert [h["code"] for h in refused.value.details["holds"]] == ["unpaid_orders"]
    customer.refresh_from_db()
    assert customer.anonymised_at is None and customer.name == NAME

    privacy_erasure_execute(actor=manager, party=customer, justification="Dívida cedida")
    customer.refresh_from_db()
    assert customer.anonymised_at is not None


def test_erasing_a_contact_leaves_the_organisations_records_but_not_the_link(
    customer: Party, manager: Any
) -> None:
    from fregues.parties.tests.factories import OrganizationFactory
    from fregues.sales.tests.factories import LeadFactory, OpportunityFactory

    company = OrganizationFactory(name="Empresa Aurora")
    deal = OpportunityFactory(party=company, contact=customer, title="Frota de geladeiras")
    referral = LeadFactory(name="Pessoa Indicada", referred_by=customer)

    privacy_erasure_execute(actor=manager, party=customer)

    deal.refresh_from_db()
    referral.refresh_from_db()
    assert deal.title == "Frota de geladeiras" and deal.contact_id is None
    assert referral.name == "Pessoa Indicada" and referral.referred_by_id is None

"""Leads through their services: taken in with the API's rules, worked, and converted into a
customer found by identity resolution (never a duplicate) and a deal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fregues.core.errors import Conflict, Forbidden, Invalid, VersionConflict
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.parties.models import Affiliation, ContactPoint, LifecycleMove, Party
from fregues.parties.services import contact_point_add, party_create
from fregues.sales.models import Lead, Opportunity, OpportunityChange
from fregues.sales.services.common import OPPORTUNITY_REGARDING
from fregues.sales.services.lead_conversion import lead_convert
from fregues.sales.services.leads import (
    lead_assign,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_reopen,
    lead_update,
)
from fregues.sales.tests.factories import LeadFormFactory, PipelineFactory, default_pipeline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

CPF = "529.982.247-25"
CNPJ = "11.222.333/0001-81"


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales")


def new_lead(actor: Any, **data: Any) -> Lead:
    return lead_create(actor=actor, data={"name": "Maria Souza", **data}).lead


def customer(actor: Any, name: str = "Maria Souza", **points: str) -> Party:
    kinds = {"email": "email", "phone": "phone"}
    return party_create(
        actor=actor,
        data={
            "kind": "person",
            "name": name,
            **({"tax_id": points.pop("tax_id")} if "tax_id" in points else {}),
        },
        contact_points=[{"kind": kinds[k], "value": v} for k, v in points.items()],
    )


# ---------------------------------------------------------------- taking leads in


def test_a_lead_keeps_its_email_and_phone_in_the_forms_resolution_matches(seller: Any) -> None:
    lead = new_lead(
        seller,
        email="  Maria.Souza@Example.COM ",
        phone="(11) 98765-4321",
        estimated_amount="1.500,50",
        tax_id=CPF,
    )
    assert lead.email_normalized == "maria.souza@example.com"
    assert lead.phone_normalized == "+5511987654321"
    assert lead.phone == "+55 11 98765-4321"
    assert lead.tax_id == "52998224725"
    assert lead.estimated_amount == Decimal("1500.50") and lead.currency == "BRL"
    assert lead.status == "new" and lead.created_by == seller
    assert AuditEntry.objects.filter(entity_type="sales.lead", entity_id=lead.pk).exists()
    assert OutboxEvent.objects.filter(name="sales.lead.created").exists()


def test_every_problem_is_reported_at_once_and_nothing_is_written(
    seller: Any, unchanged: Any
) -> None:
    with unchanged(), pytest.raises(Invalid) as caught:
        lead_create(
            actor=seller,
            data={
                "name": "",
                "tax_id": "123.456.789-00",
                "currency": "XYZ",
                "estimated_amount": "-3",
                "source": "carrier pigeon",
            },
        )
    errors = caught.value.errors
    assert {"name", "email", "phone", "tax_id", "currency", "estimated_amount", "source"} <= set(
        errors
    )
    assert "e-mail or a phone" in errors["email"][0]


def test_a_bad_email_or_phone_is_named(seller: Any) -> None:
    with pytest.raises(Invalid) as caught:
        lead_create(actor=seller, data={"name": "Zé", "email": "nao-e-email", "phone": "123"})
    assert set(caught.value.errors) == {"email", "phone"}


def test_the_same_source_and_external_id_land_once(seller: Any) -> None:
    first = lead_create(
        actor=seller, data={"name": "Ana", "email": "ana@example.com", "external_id": "rd-1"}
    )
    again = lead_create(
        actor=seller,
        data={"name": "Ana Changed", "email": "other@example.com", "external_id": "rd-1"},
    )
    assert first.created and not again.created
    assert again.lead.pk == first.lead.pk and again.lead.name == "Ana"
    assert Lead.objects.count() == 1
    other_source = lead_create(
        actor=seller,
        data={"name": "Ana", "email": "ana@example.com", "external_id": "rd-1", "source": "event"},
    )
    assert other_source.created


def test_marketing_takes_leads_in_but_does_not_work_them(make_user: Any) -> None:
    marketer = make_user("marketing")
    lead = new_lead(marketer, email="m@example.com")
    for call in (
        lambda: lead_qualify(actor=marketer, lead_id=lead.pk),
        lambda: lead_convert(actor=marketer, lead_id=lead.pk),
        lambda: lead_update(actor=marketer, lead_id=lead.pk, data={"name": "X"}),
    ):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(Forbidden):
        new_lead(make_user("quality_manager"), email="q@example.com")


# ---------------------------------------------------------------- working leads


def test_update_checks_the_version_and_keeps_the_rules(seller: Any) -> None:
    lead = new_lead(seller, email="maria@example.com")
    changed = lead_update(actor=seller, lead_id=lead.pk, data={"phone": "11 3456-7890"}, version=1)
    assert changed.version == 2 and changed.phone_normalized == "+551134567890"
    with pytest.raises(VersionConflict):
        lead_update(actor=seller, lead_id=lead.pk, data={"name": "Other"}, version=1)
    with pytest.raises(Invalid) as caught:
        lead_update(actor=seller, lead_id=lead.pk, data={"email": "", "phone": ""}, version=2)
    assert "email" in caught.value.errors
    lead.refresh_from_db()
    assert lead.name == "Maria Souza" and lead.version == 2


def test_disqualifying_needs_a_reason_and_reopening_brings_it_back(
    seller: Any, unchanged: Any
) -> None:
    lead = new_lead(seller, email="maria@example.com")
    with unchanged(), pytest.raises(Invalid) as caught:
        lead_disqualify(actor=seller, lead_id=lead.pk, reason="   ")
    assert caught.value.errors == {"reason": ["Say why the lead is disqualified."]}
    lead = lead_disqualify(actor=seller, lead_id=lead.pk, reason="no budget")
    assert lead.status == "disqualified" and lead.disqualify_reason == "no budget"
    assert lead.disqualified_at is not None
    with pytest.raises(Conflict) as refused:
        lead_convert(actor=seller, lead_id=lead.pk)
    assert refused.value.code == "lead_disqualified"
    lead = lead_reopen(actor=seller, lead_id=lead.pk)
    assert lead.status == "new" and lead.disqualify_reason == ""
    lead = lead_qualify(actor=seller, lead_id=lead.pk)
    assert lead.status == "qualified" and lead.qualified_at is not None
    history = AuditEntry.objects.filter(entity_type="sales.lead", entity_id=lead.pk)
    assert history.count() == 4  # created, disqualified, reopened, qualified


def test_assign_gives_the_lead_to_someone_or_to_nobody(seller: Any, make_user: Any) -> None:
    other = make_user("sales")
    lead = new_lead(seller, email="maria@example.com")
    assert lead_assign(actor=seller, lead_id=lead.pk, owner_id=other.pk).owner == other
    assert lead_assign(actor=seller, lead_id=lead.pk, owner_id=None).owner is None
    with pytest.raises(Invalid):
        lead_assign(actor=seller, lead_id=lead.pk, owner_id=99999)


# ---------------------------------------------------------------- converting


def test_a_new_person_with_a_company_becomes_a_customer_an_organisation_and_a_deal(
    seller: Any,
) -> None:
    lead = new_lead(
        seller,
        email="maria@padaria.com.br",
        phone="(11) 98765-4321",
        company="Padaria Boa Massa",
        job_title="Compradora",
        interest="Forno industrial",
        message="Preciso de um orçamento.",
        estimated_amount="25.000,00",
        source="web_form",
    )
    lead_assign(actor=seller, lead_id=lead.pk, owner_id=seller.pk)
    done = lead_convert(actor=seller, lead_id=lead.pk)

    person, org, deal = done.party, done.organization, done.opportunity
    assert done.party_created and done.organization_created
    assert person.kind == "person" and person.name == "Maria Souza"
    assert person.lifecycle_stage == "prospect"
    assert {p.normalized for p in person.contact_points.all()} == {
        "maria@padaria.com.br",
        "+5511987654321",
    }
    assert org is not None and org.kind == "organization" and org.name == "Padaria Boa Massa"
    link = Affiliation.objects.get(person=person, organization=org)
    assert link.role == "Compradora"

    assert deal.party == org and deal.contact == person
    assert deal.pipeline == default_pipeline() and deal.stage.position == 0
    assert deal.amount == Decimal("25000.00") and deal.currency == "BRL"
    assert deal.owner == seller and deal.lead == lead and deal.source == "web_form"
    assert deal.title == "Padaria Boa Massa — Forno industrial"
    change = OpportunityChange.objects.get(opportunity=deal)
    assert change.to_status == "open" and change.to_stage == deal.stage

    lead.refresh_from_db()
    assert lead.status == "converted" and lead.party == person and lead.converted_at
    contact = Interaction.objects.get(party=person)
    assert contact.channel == "web_form" and contact.direction == "in"
    assert contact.body == "Preciso de um orçamento."
    assert (contact.regarding_type, contact.regarding_id) == (OPPORTUNITY_REGARDING, deal.pk)
    event = OutboxEvent.objects.get(name="sales.lead.converted")
    assert event.payload == {
        "lead_id": lead.pk,
        "party_id": person.pk,
        "organization_id": org.pk,
        "opportunity_id": deal.pk,
        "referred_by_id": None,
    }
    assert AuditEntry.objects.filter(party_id=org.pk, entity_type="sales.opportunity").exists()


def test_an_existing_customer_found_by_email_wins_over_a_new_record(seller: Any) -> None:
    maria = customer(seller, email="maria@example.com")
    lead = new_lead(seller, email="MARIA@example.com", phone="11 98765-4321")
    parties = Party.objects.count()
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.party == maria and not done.party_created
    assert Party.objects.count() == parties
    assert done.opportunity.party == maria and done.opportunity.contact is None
    # what the lead told us that the customer lacked is kept
    assert maria.contact_points.filter(kind="phone", normalized="+5511987654321").exists()


def test_a_phone_written_another_way_finds_the_customer(seller: Any) -> None:
    joao = customer(seller, "João da Silva", phone="+55 11 98765-4321")
    lead = new_lead(seller, name="João", phone="011 98765-4321")
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.party == joao and not done.party_created


def test_an_old_eight_digit_mobile_finds_the_customer(seller: Any) -> None:
    joao = customer(seller, "João da Silva", phone="(11) 98765-4321")
    lead = new_lead(seller, name="João", phone="(11) 8765-4321")
    assert lead_convert(actor=seller, lead_id=lead.pk).party == joao


def test_the_tax_id_finds_the_customer_before_the_email(seller: Any) -> None:
    by_tax = customer(seller, "João da Silva", tax_id=CPF)
    customer(seller, "Someone Else", email="joao@example.com")
    lead = new_lead(seller, name="João", email="joao@example.com", tax_id="52998224725")
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.party == by_tax and not done.party_created
    assert Party.objects.filter(tax_id="52998224725").count() == 1


def test_a_whatsapp_number_on_file_finds_the_customer(seller: Any) -> None:
    ana = customer(seller, "Ana", email="ana@example.com")
    contact_point_add(
        actor=seller,
        party_id=ana.pk,
        data={"kind": "social", "network": "whatsapp", "value": "+55 21 99876-5432"},
    )
    lead = new_lead(seller, name="Ana", phone="(21) 99876-5432")
    assert lead_convert(actor=seller, lead_id=lead.pk).party == ana


def test_a_company_already_known_is_linked_not_duplicated(seller: Any) -> None:
    org = party_create(
        actor=seller, data={"kind": "organization", "name": "Padaria Boa Massa", "tax_id": CNPJ}
    )
    lead = new_lead(seller, email="new@padaria.com.br", company="padaria boa massa")
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.organization == org and not done.organization_created
    assert Party.objects.filter(kind="organization").count() == 1
    assert Affiliation.objects.filter(person=done.party, organization=org).exists()


def test_a_lead_with_a_cnpj_and_no_company_is_the_company(seller: Any) -> None:
    lead = new_lead(seller, name="Padaria Boa Massa", email="contato@padaria.com.br", tax_id=CNPJ)
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.party.kind == "organization" and done.organization == done.party
    assert done.party.tax_id == "11222333000181"
    assert Party.objects.filter(kind="person").count() == 0
    assert done.party.contact_points.filter(normalized="contato@padaria.com.br").exists()


def test_an_email_held_by_an_organisation_makes_the_lead_its_contact(seller: Any) -> None:
    org = party_create(
        actor=seller,
        data={"kind": "organization", "name": "Padaria Boa Massa"},
        contact_points=[{"kind": "email", "value": "contato@padaria.com.br"}],
    )
    lead = new_lead(seller, email="contato@padaria.com.br", job_title="Sócia")
    done = lead_convert(actor=seller, lead_id=lead.pk)
    assert done.organization == org and done.party.kind == "person"
    assert done.party.name == "Maria Souza" and not done.party.contact_points.exists()
    assert done.opportunity.party == org and done.opportunity.contact == done.party
    assert ContactPoint.objects.filter(normalized="contato@padaria.com.br").count() == 1


def test_converting_twice_is_a_conflict_and_writes_nothing(seller: Any, unchanged: Any) -> None:
    lead = new_lead(seller, email="maria@example.com")
    lead_convert(actor=seller, lead_id=lead.pk)
    with unchanged(), pytest.raises(Conflict) as caught:
        lead_convert(actor=seller, lead_id=lead.pk)
    assert caught.value.code == "lead_converted"
    assert Opportunity.objects.count() == 1
    with pytest.raises(Conflict):
        lead_update(actor=seller, lead_id=lead.pk, data={"name": "X"})


def test_a_stale_version_or_a_bad_pipeline_writes_nothing(seller: Any, unchanged: Any) -> None:
    lead = new_lead(seller, email="maria@example.com")
    with unchanged(), pytest.raises(VersionConflict):
        lead_convert(actor=seller, lead_id=lead.pk, version=7)
    with unchanged(), pytest.raises(Invalid) as caught:
        lead_convert(actor=seller, lead_id=lead.pk, pipeline_id=9999, amount="-1", currency="XYZ")
    assert set(caught.value.errors) == {"pipeline_id", "amount", "currency"}


def test_the_deal_opens_in_the_forms_pipeline_or_the_one_chosen(seller: Any) -> None:
    tenders = PipelineFactory(name="Licitações")
    form = LeadFormFactory(pipeline=tenders)
    lead = new_lead(seller, email="a@example.com")
    Lead.objects.filter(pk=lead.pk).update(form=form)
    done = lead_convert(actor=seller, lead_id=lead.pk, title="Licitação 12", amount="100")
    assert done.opportunity.pipeline == tenders
    assert done.opportunity.stage.code == "first"
    assert (done.opportunity.title, done.opportunity.amount) == ("Licitação 12", Decimal("100"))

    other = new_lead(
        seller, name="Beto", email="b@example.com", estimated_amount="10", currency="EUR"
    )
    chosen = lead_convert(actor=seller, lead_id=other.pk, pipeline_id=default_pipeline().pk)
    assert chosen.opportunity.pipeline == default_pipeline()
    assert (chosen.opportunity.amount, chosen.opportunity.currency) == (Decimal("10.00"), "EUR")


def test_a_referral_names_the_referrer_and_a_known_suspect_becomes_a_prospect(
    seller: Any,
) -> None:
    referrer = customer(seller, "Carla Indica", email="carla@example.com")
    suspect = customer(seller, "Maria Souza", email="maria@example.com")
    assert suspect.lifecycle_stage == "suspect"
    lead = new_lead(
        seller, email="maria@example.com", referred_by_id=referrer.pk, source="referral"
    )
    done = lead_convert(actor=seller, lead_id=lead.pk)
    event = OutboxEvent.objects.get(name="sales.lead.converted")
    assert event.payload["referred_by_id"] == referrer.pk
    assert event.payload["party_id"] == suspect.pk
    suspect.refresh_from_db()
    assert suspect.lifecycle_stage == "prospect"
    move = LifecycleMove.objects.filter(party=suspect).first()
    assert move is not None and (move.cause_type, move.cause_id) == ("sales.lead", lead.pk)
    assert done.opportunity.source == "referral"

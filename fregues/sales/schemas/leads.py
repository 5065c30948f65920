"""API shapes of leads and of the public lead forms."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef

from ..models import Lead, LeadForm

Amount = Decimal | str | None


class LeadIn(Schema):
    name: str = ""
    company: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = Field("", description="Any written form; stored in E.164 too.")
    tax_id: str = Field("", description="CPF/CNPJ (Brazil), NIF (Portugal), else as given.")
    country: str = Field("", description="Two letters (BR, PT); reads the phone and tax id.")
    city: str = ""
    language: str = ""
    interest: str = Field("", description="What the lead is interested in.")
    message: str = ""
    estimated_amount: Amount = Field(None, description='A number or text ("1.234,56").')
    currency: str = Field("", description="ISO 4217 (BRL, EUR, USD); default BRL.")
    source: str = Field(
        "api", description="manual, api, web_form, import, referral, event or phone"
    )
    source_detail: str = Field("", description="Campaign, fair, landing page...")
    external_id: str = Field(
        "", description="The lead's id in the sending system: the same source + id lands once."
    )
    owner_id: int | None = None
    referred_by_id: int | None = Field(None, description="The customer who referred them.")
    attributes: dict[str, Any] = Field(default_factory=dict, description="Other answers.")


class LeadPatch(Schema):
    name: str | None = None
    company: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    country: str | None = None
    city: str | None = None
    language: str | None = None
    interest: str | None = None
    message: str | None = None
    estimated_amount: Amount = None
    currency: str | None = None
    source: str | None = None
    source_detail: str | None = None
    external_id: str | None = None
    owner_id: int | None = None
    referred_by_id: int | None = None
    attributes: dict[str, Any] | None = None
    version: int | None = Field(None, description="The version you read (or If-Match).")


class LeadVersionIn(Schema):
    version: int | None = Field(None, description="The version you read (or If-Match).")


class DisqualifyIn(LeadVersionIn):
    reason: str = Field("", description="Why (no budget, student, spam...). Required.")


class LeadAssignIn(LeadVersionIn):
    owner_id: int | None = Field(None, description="The new owner; null: nobody.")


class ConvertIn(LeadVersionIn):
    pipeline_id: int | None = Field(
        None, description="Default: the lead form's pipeline, else the default pipeline."
    )
    title: str = Field("", description="The deal's title; default: company — interest.")
    amount: Amount = Field(None, description="Default: the lead's estimated amount.")
    currency: str | None = Field(None, description="Default: the lead's currency.")


class Ref(Schema):
    id: int
    name: str


class FormRef(Schema):
    id: int
    code: str
    name: str


class LeadOut(Schema):
    id: int
    name: str
    company: str
    job_title: str
    email: str
    phone: str
    phone_e164: str
    tax_id: str
    country: str
    city: str
    language: str
    interest: str
    message: str
    estimated_amount: Decimal | None
    currency: str
    source: str
    source_detail: str
    external_id: str
    form: FormRef | None
    status: str
    owner: UserRef | None
    referred_by: Ref | None
    party: Ref | None = Field(description="The customer it became, once converted.")
    opportunity_ids: list[int]
    disqualify_reason: str
    qualified_at: datetime.datetime | None
    disqualified_at: datetime.datetime | None
    converted_at: datetime.datetime | None
    attributes: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @classmethod
    def build(cls, lead: Lead, *, with_deals: bool = True) -> LeadOut:
        form = lead.form if lead.form_id else None
        return cls(
            id=lead.pk,
            name=lead.name,
            company=lead.company,
            job_title=lead.job_title,
            email=lead.email,
            phone=lead.phone,
            phone_e164=lead.phone_normalized,
            tax_id=lead.tax_id,
            country=lead.country,
            city=lead.city,
            language=lead.language,
            interest=lead.interest,
            message=lead.message,
            estimated_amount=lead.estimated_amount,
            currency=lead.currency,
            source=lead.source,
            source_detail=lead.source_detail,
            external_id=lead.external_id,
            form=FormRef(id=form.pk, code=form.code, name=form.name) if form else None,
            status=lead.status,
            owner=UserRef.from_user(lead.owner) if lead.owner_id else None,
            referred_by=(
                Ref(id=lead.referred_by.pk, name=lead.referred_by.name)
                if lead.referred_by_id and lead.referred_by
                else None
            ),
            party=Ref(id=lead.party.pk, name=lead.party.name)
            if lead.party_id and lead.party
            else None,
            opportunity_ids=[o.pk for o in lead.opportunities.all()] if with_deals else [],
            disqualify_reason=lead.disqualify_reason,
            qualified_at=lead.qualified_at,
            disqualified_at=lead.disqualified_at,
            converted_at=lead.converted_at,
            attributes=lead.attributes,
            created_at=lead.created_at,
            updated_at=lead.updated_at,
            version=lead.version,
        )


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None = None


class ConversionOut(Schema):
    lead: LeadOut
    party_id: int = Field(description="The customer: the person, or the organisation.")
    organization_id: int | None
    opportunity_id: int
    party_created: bool = Field(description="False: an existing customer was found.")
    organization_created: bool


class PublicLeadIn(Schema):
    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    job_title: str = ""
    interest: str = ""
    message: str = ""
    consent: bool = Field(False, description="Ticked: wants news and offers by e-mail.")
    website: str = Field("", description="Leave empty (a trap for robots).")
    answers: dict[str, Any] = Field(default_factory=dict, description="Other answers.")


class PublicLeadOut(Schema):
    status: str = Field(description="Always 'received'.")
    message: str = Field(description="The form's thank-you text.")


class PublicFormOut(Schema):
    code: str
    title: str
    intro: str
    thank_you: str
    fields: list[str]
    honeypot: str = Field(description="The field to leave empty (hide it from people).")
    consent_text: str

    @classmethod
    def build(cls, form: LeadForm, *, fields: list[str], honeypot: str, consent: str) -> Any:
        return cls(
            code=form.code,
            title=form.title or form.name,
            intro=form.intro,
            thank_you=form.thank_you,
            fields=fields,
            honeypot=honeypot,
            consent_text=consent,
        )

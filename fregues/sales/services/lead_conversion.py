"""Converting a lead: the customer found (or created, never twice) and the deal opened.

The customer is found by the identity resolution the rest of Freguês uses: the tax id, then
the e-mail, then the phone (normalised, so "(11) 98765-4321" finds +5511987654321). An
existing customer always wins over a new record. A lead with a company is a person at an
organisation: the organisation is found (by CNPJ, by the person's links, by its exact name)
or created, and the person is linked to it with their job title; the deal then belongs to the
organisation, with the person as its contact. A lead with a CNPJ and no company *is* the
company.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.core.text import fold
from fregues.interactions.services import interaction_record
from fregues.parties.models import Affiliation, Party, PartyKind
from fregues.parties.selectors import contact_point_find, party_survivor_id
from fregues.parties.services import (
    affiliation_add,
    contact_point_add,
    lifecycle_move,
    party_create,
)

from ..models import (
    Lead,
    LeadStatus,
    Opportunity,
    Pipeline,
    PipelineStage,
)
from ..money import quantize
from ..selectors.leads import lead_tax_id, party_by_contact, party_by_tax_id
from .common import (
    LEAD_REGARDING,
    OPPORTUNITY_REGARDING,
    bump,
    check_version,
    currency_or_error,
    locked,
    now_or,
    sales_event,
    user_or_none,
)
from .leads import clean_amount
from .opportunities import opportunity_create

# The channel of the first contact a lead stands for, by the lead's source.
SOURCE_CHANNEL = {
    "web_form": "web_form",
    "api": "web_form",
    "import": "web_form",
    "phone": "phone",
    "manual": "phone",
    "referral": "phone",
    "event": "visit",
}
OPPORTUNITY_AUDIT_FIELDS = (
    "title",
    "party",
    "contact",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "owner",
    "lead",
    "source",
)


@dataclass(frozen=True)
class Conversion:
    """What converting a lead gave: who it is (``party``: the person, or the organisation when
    the lead was one), their ``organization`` if any, the deal, and what was created."""

    lead: Lead
    party: Party
    organization: Party | None
    opportunity: Opportunity
    party_created: bool
    organization_created: bool


@dataclass
class _Who:
    person: Party | None = None
    organization: Party | None = None
    person_created: bool = False
    organization_created: bool = False


def _first_stage(pipeline: Pipeline) -> PipelineStage | None:
    return pipeline.stages.filter(is_active=True).order_by("position", "id").first()


def _chosen_pipeline(pipeline_id: Any, errors: ErrorCollector) -> Pipeline | None:
    if pipeline_id in (None, ""):
        return None
    pipeline = Pipeline.objects.filter(pk=pipeline_id, is_active=True).first()
    if pipeline is None:
        errors.add("pipeline_id", _("Pipeline %(id)s does not exist.") % {"id": pipeline_id})
    elif _first_stage(pipeline) is None:
        errors.add("pipeline_id", _("This pipeline has no stage to start a deal in."))
    return pipeline


def _pipeline_for(lead: Lead, chosen: Pipeline | None) -> tuple[Pipeline, PipelineStage]:
    """The chosen pipeline, else the lead form's, else the default one; and its first stage."""
    candidates = [chosen]
    if lead.form_id and lead.form and lead.form.pipeline_id:
        candidates.append(lead.form.pipeline)
    candidates.append(Pipeline.objects.filter(is_default=True, is_active=True).first())
    candidates.append(Pipeline.objects.filter(is_active=True).order_by("position", "id").first())
    for pipeline in candidates:
        if pipeline is not None and pipeline.is_active:
            stage = _first_stage(pipeline)
            if stage is not None:
                return pipeline, stage
    raise Invalid.field(
        "pipeline_id",
        _("There is no active pipeline with stages: set one up first."),
        code="no_pipeline",
    )


def _organization_named(person: Party | None, company: str) -> Party | None:
    """An organisation called ``company``: one the person is linked to first, else the only
    (or oldest) one with exactly that name."""
    wanted = fold(company)
    if person is not None:
        for link in Affiliation.objects.filter(person=person).select_related("organization"):
            if fold(link.organization.name) == wanted and not link.organization.merged_into_id:
                return link.organization
    return (
        Party.objects.filter(
            kind=PartyKind.ORGANIZATION, merged_into__isnull=True, name__iexact=company.strip()
        )
        .order_by("id")
        .first()
    )


def _free_points(lead: Lead) -> list[dict[str, Any]]:
    """The lead's e-mail and phone as contact points, leaving out any another party holds."""
    points = []
    if lead.email_normalized and not contact_point_find(
        kind="email", network="", normalized=lead.email_normalized
    ):
        points.append({"kind": "email", "value": lead.email_normalized})
    if lead.phone_normalized and not contact_point_find(
        kind="phone", network="", normalized=lead.phone_normalized
    ):
        points.append({"kind": "phone", "value": lead.phone_normalized})
    return points


def _new_party(actor: Any, lead: Lead, data: dict[str, Any], points: list) -> Party:
    return party_create(
        actor=actor,
        data={
            "country": lead.country or settings.DEFAULT_COUNTRY,
            "owner_id": lead.owner_id,
            **({"language": lead.language} if lead.language else {}),
            **data,
        },
        contact_points=points,
        lifecycle_stage="prospect",
        lifecycle_reason=_("converted from lead %(id)s") % {"id": lead.pk},
    )


def _identify(actor: Any, lead: Lead) -> _Who:
    """Find who the lead is (never a second record of an existing customer), creating only
    what is missing: the person, the organisation, the link between them."""
    tax_id, tax_kind = lead_tax_id(lead)
    by_contact, _by = party_by_contact(lead.email_normalized, lead.phone_normalized)
    found = [p for p in (party_by_tax_id(tax_id), by_contact) if p is not None]
    who = _Who(
        person=next((p for p in found if p.kind == PartyKind.PERSON), None),
        organization=next((p for p in found if p.kind == PartyKind.ORGANIZATION), None),
    )
    company = lead.company.strip()
    is_company = tax_kind == "cnpj" and not company  # the lead is the company itself
    if who.organization is None and (company or tax_kind == "cnpj"):
        who.organization = _organization_named(who.person, company) if company else None
        if who.organization is None:
            org_points = _free_points(lead) if is_company else []
            who.organization = _new_party(
                actor,
                lead,
                {
                    "kind": PartyKind.ORGANIZATION,
                    "name": company or lead.name,
                    "tax_id": tax_id if tax_kind == "cnpj" else "",
                },
                org_points,
            )
            who.organization_created = True
    wants_person = not is_company and not (
        who.organization is not None and fold(who.organization.name) == fold(lead.name)
    )
    if who.person is None and wants_person:
        who.person = _new_party(
            actor,
            lead,
            {
                "kind": PartyKind.PERSON,
                "name": lead.name,
                "tax_id": tax_id if tax_kind not in ("", "cnpj") else "",
            },
            _free_points(lead),
        )
        who.person_created = True
    elif who.person is not None:
        for point in _free_points(lead):  # what the lead tells us that the customer lacks
            contact_point_add(actor=actor, party_id=who.person.pk, data=point)
    if who.person is not None and who.organization is not None:
        linked = Affiliation.objects.filter(person=who.person, organization=who.organization)
        if not linked.exists():
            affiliation_add(
                actor=actor,
                person_id=who.person.pk,
                organization_id=who.organization.pk,
                role=lead.job_title,
                is_primary=not Affiliation.objects.filter(person=who.person).exists(),
            )
    return who


def _open_deal(
    *,
    actor: Any,
    lead: Lead,
    who: _Who,
    pipeline: Pipeline,
    stage: PipelineStage,
    title: str,
    amount: Decimal,
    currency: str,
    now: datetime.datetime,
) -> Opportunity:
    """The deal, in the first stage of its pipeline, through the pipeline's own service (its
    history row, audit entry and event): for the organisation, with the person as contact."""
    party = who.organization or who.person
    assert party is not None
    contact = who.person if who.organization is not None else None
    owner = lead.owner_id or (user_or_none(actor).pk if user_or_none(actor) else None)
    return opportunity_create(
        actor=actor,
        data={
            "title": title,
            "party_id": party.pk,
            "contact_id": contact.pk if contact else None,
            "pipeline_id": pipeline.pk,
            "stage_id": stage.pk,
            "amount": amount,
            "currency": currency,
            "owner_id": owner,
            "lead_id": lead.pk,
            "source": lead.source,
            "description": lead.message,
        },
        now=now,
    )


def _record_first_contact(actor: Any, lead: Lead, who: _Who, deal: Opportunity) -> None:
    """The lead's message on the customer's timeline, as the inbound contact it was."""
    if not lead.message and lead.source != "web_form":
        return
    channel = str(lead.attributes.get("channel") or "") or SOURCE_CHANNEL.get(
        lead.source, "web_form"
    )
    if channel not in SOURCE_CHANNEL.values():
        channel = "web_form"
    party = who.person or who.organization
    assert party is not None
    address = ""
    if channel == "phone":
        address = lead.phone_normalized
    elif channel != "visit":
        address = lead.email_normalized or lead.phone_normalized
    subject = lead.interest or _("Lead: %(source)s") % {"source": lead.get_source_display()}
    if lead.form_id and lead.form:
        subject = f"{lead.form.name}: {subject}" if lead.interest else lead.form.name
    interaction_record(
        actor=actor,
        data={
            "channel": channel,
            "direction": "in",
            "occurred_at": lead.created_at,
            "subject": subject[:300],
            "body": lead.message,
            "external_id": f"{LEAD_REGARDING}:{lead.pk}",
            "regarding_type": OPPORTUNITY_REGARDING,
            "regarding_id": deal.pk,
        },
        party_id=party.pk,
        address=address,
    )


def _advance_suspects(actor: Any, lead: Lead, who: _Who) -> None:
    """A known suspect with a deal open is a prospect now (the move names the lead)."""
    for party, created in (
        (who.person, who.person_created),
        (who.organization, who.organization_created),
    ):
        if party is not None and not created and party.lifecycle_stage == "suspect":
            lifecycle_move(
                actor=actor,
                party_id=party.pk,
                to_stage="prospect",
                reason=_("converted from lead %(id)s") % {"id": lead.pk},
                cause_type=LEAD_REGARDING,
                cause_id=lead.pk,
            )


def _clean_terms(
    title: str, amount: Any, currency: Any, errors: ErrorCollector
) -> tuple[str, Decimal | None, str]:
    title = (title or "").strip()
    if len(title) > 200:
        errors.add("title", _("At most %(n)s characters.") % {"n": 200})
    value = clean_amount(amount, errors, "amount")
    code = currency_or_error(currency, errors) if currency not in (None, "") else ""
    return title, value, code


def lead_convert(
    *,
    actor: Any,
    lead_id: int,
    pipeline_id: int | None = None,
    title: str = "",
    amount: Any = None,
    currency: str | None = None,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Conversion:
    """Turn a lead into a customer and a deal, all or nothing.

    The customer is the existing party holding the lead's tax id, e-mail or phone, or a new
    prospect (with their organisation, when the lead names a company). The deal opens in the
    first stage of ``pipeline_id`` (else the lead form's pipeline, else the default one), for
    ``amount`` (else the lead's estimate) in the lead's currency, owned by the lead's owner
    (else whoever converts). The lead's message goes on the customer's timeline regarding the
    deal. A lead converted already is a 409, so is a disqualified one (reopen it first).
    """
    require(actor, "lead.change")
    require(actor, "deal.change")
    now = now_or(now)
    errors = ErrorCollector()
    chosen = _chosen_pipeline(pipeline_id, errors)
    title, value, code = _clean_terms(title, amount, currency, errors)
    errors.raise_if_any()
    with transaction.atomic():
        lead = locked(Lead, lead_id, label=_("Lead"))
        check_version(lead, version)
        if lead.status == LeadStatus.CONVERTED:
            raise Conflict(
                _("Lead %(id)s was converted already.") % {"id": lead.pk},
                code="lead_converted",
                details={
                    "party_id": lead.party_id,
                    "opportunity_ids": list(lead.opportunities.values_list("pk", flat=True)),
                },
            )
        if lead.status == LeadStatus.DISQUALIFIED:
            raise Conflict(
                _("Lead %(id)s was disqualified (%(reason)s): reopen it before converting it.")
                % {"id": lead.pk, "reason": lead.disqualify_reason},
                code="lead_disqualified",
            )
        pipeline, stage = _pipeline_for(lead, chosen)
        code = code or lead.currency or pipeline.currency or settings.DEFAULT_CURRENCY
        if value is None:
            value = lead.estimated_amount or Decimal("0")
        title = title or " — ".join(p for p in (lead.company or lead.name, lead.interest) if p)
        who = _identify(actor, lead)
        deal = _open_deal(
            actor=actor,
            lead=lead,
            who=who,
            pipeline=pipeline,
            stage=stage,
            title=title[:200],
            amount=quantize(value, code),
            currency=code,
            now=now,
        )
        _record_first_contact(actor, lead, who, deal)
        _advance_suspects(actor, lead, who)
        party = who.person or who.organization
        assert party is not None
        before = lead.status
        lead.status = LeadStatus.CONVERTED
        lead.party = party
        lead.converted_at = now
        lead.qualified_at = lead.qualified_at or now
        bump(lead, ["status", "party", "converted_at", "qualified_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=lead,
            party_id=party.pk,
            summary=_("Lead %(name)s converted: deal %(title)s")
            % {"name": lead.name, "title": deal.title},
            changes={
                "status": [before, lead.status],
                "party": [None, party.pk],
                "opportunity": [None, deal.pk],
            },
        )
        referrer = party_survivor_id(lead.referred_by_id) if lead.referred_by_id else None
        sales_event(
            "lead.converted",
            lead_id=lead.pk,
            party_id=party.pk,
            organization_id=who.organization.pk if who.organization else None,
            opportunity_id=deal.pk,
            referred_by_id=referrer,
        )
    return Conversion(
        lead=lead,
        party=party,
        organization=who.organization,
        opportunity=deal,
        party_created=who.person_created if who.person else who.organization_created,
        organization_created=who.organization_created,
    )

"""Reads on leads and lead forms: the list with its filters and counts, one lead with its
history, the forms with how many leads each brought."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.models import AuditEntry
from fregues.core.permissions import PERMISSIONS, require
from fregues.core.text import digits
from fregues.parties.models import Party
from fregues.parties.normalize import normalize_tax_id
from fregues.parties.selectors import contact_point_find

from ..models import Lead, LeadForm, LeadStatus, Pipeline


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def lead_queryset() -> QuerySet[Lead]:
    """Leads with what a list row shows (owner, form, customer), one query."""
    return Lead.objects.select_related("owner", "form", "party")


def lead_list(
    *,
    actor: Any,
    q: str = "",
    status: str | None = None,
    owner_id: int | None = None,
    unassigned: bool = False,
    source: str | None = None,
    form_id: int | None = None,
    created_from: datetime.date | None = None,
    created_to: datetime.date | None = None,
) -> QuerySet[Lead]:
    """Leads matching a search and filters, newest first; the caller pages them.

    ``q`` looks in the name, company, e-mail and phone (a phone in any format: its digits).
    ``created_from`` / ``created_to`` are local days, both included.
    """
    require(actor, "lead.view")
    qs = lead_queryset()
    term = (q or "").strip()
    if term:
        condition = (
            Q(name__icontains=term)
            | Q(company__icontains=term)
            | Q(email_normalized__icontains=term.lower())
            | Q(external_id=term)
        )
        number = digits(term)
        if len(number) >= 4 and len(number) >= len(term.replace(" ", "")) // 2:
            condition |= Q(phone_normalized__contains=number)
        qs = qs.filter(condition)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if unassigned:
        qs = qs.filter(owner__isnull=True)
    if source:
        qs = qs.filter(source=source)
    if form_id:
        qs = qs.filter(form_id=form_id)
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to:
        qs = qs.filter(created_at__lt=_day_start(created_to + datetime.timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


def lead_page(qs: QuerySet[Lead], cursor: str | None, limit: int) -> tuple[list[Lead], str | None]:
    """One page of ``qs`` (newest first) after ``cursor``, and the next cursor (keyset by
    creation time and id: stable while leads keep arriving)."""
    if cursor:
        try:
            at, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            moment = datetime.datetime.fromisoformat(at)
            pk = int(pk)
            if timezone.is_naive(moment):
                raise ValueError("a cursor's time carries its offset")
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", _("This cursor is not valid."), code="invalid_cursor"
            ) from exc
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        raw = json.dumps([last.created_at.isoformat(), last.pk]).encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return rows[:limit], next_cursor


def lead_counts(*, actor: Any, **filters: Any) -> dict[str, int]:
    """How many leads each status tab holds under the other filters (and ``all``)."""
    filters.pop("status", None)
    qs = lead_list(actor=actor, **filters).order_by()
    counts = {code: 0 for code in LeadStatus.values}
    for row in qs.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["all"] = sum(counts[code] for code in LeadStatus.values)
    return counts


def lead_get(*, actor: Any, lead_id: int) -> Lead:
    """One lead with its owner, form, referrer, customer and the deals it opened."""
    require(actor, "lead.view")
    lead = (
        Lead.objects.select_related("owner", "form", "referred_by", "party", "created_by")
        .prefetch_related("opportunities")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(_("Lead %(id)s does not exist.") % {"id": lead_id}, details={"id": lead_id})
    return lead


def lead_history(*, actor: Any, lead_id: int, limit: int = 30) -> list[AuditEntry]:
    """What happened to the lead (taken in, assigned, qualified, converted), newest first."""
    require(actor, "lead.view")
    return list(
        AuditEntry.objects.filter(entity_type="sales.lead", entity_id=lead_id).order_by(
            "-occurred_at", "-id"
        )[:limit]
    )


@dataclass(frozen=True)
class CustomerMatch:
    """Who a lead already is among the customers, and by what: ``tax_id``, ``email`` or
    ``phone`` (``party`` None: nobody yet)."""

    party: Party | None
    by: str = ""
    organization: Party | None = None


def lead_tax_id(lead: Lead) -> tuple[str, str]:
    """The lead's tax id and its kind (cpf, cnpj, nif, other), or ("", "")."""
    if not lead.tax_id:
        return "", ""
    try:
        return normalize_tax_id(lead.tax_id, lead.country or settings.DEFAULT_COUNTRY, "person")
    except Invalid:  # checked when the lead was taken in; a rule changed since
        return "", ""


def party_by_tax_id(tax_id: str) -> Party | None:
    """The live party with this tax id (compact form), the oldest if several."""
    if not tax_id:
        return None
    return Party.objects.filter(tax_id=tax_id, merged_into__isnull=True).order_by("id").first()


def party_by_contact(email_normalized: str, phone_normalized: str) -> tuple[Party | None, str]:
    """The party holding the e-mail, else the phone (or that number on WhatsApp)."""
    if email_normalized:
        point = contact_point_find(kind="email", network="", normalized=email_normalized)
        if point is not None:
            return point.party, "email"
    if phone_normalized:
        for kind, network in (("phone", ""), ("social", "whatsapp")):
            point = contact_point_find(kind=kind, network=network, normalized=phone_normalized)
            if point is not None:
                return point.party, "phone"
    return None, ""


def lead_customer_match(lead: Lead) -> CustomerMatch:
    """Who converting the lead would find: the tax id first, then the e-mail, then the phone
    (the identity resolution of parties: the same rules, the same indexes)."""
    if lead.party_id:
        return CustomerMatch(party=lead.party, by="converted")
    by_tax = party_by_tax_id(lead_tax_id(lead)[0])
    if by_tax is not None:
        return CustomerMatch(party=by_tax, by="tax_id")
    party, by = party_by_contact(lead.email_normalized, lead.phone_normalized)
    return CustomerMatch(party=party, by=by)


def lead_form_choices() -> list[dict[str, Any]]:
    """Every lead form's id and name (the list's "from the form" filter)."""
    return [
        {"pk": pk, "name": name}
        for pk, name in LeadForm.objects.order_by("name").values_list("pk", "name")
    ]


def active_pipelines() -> list[Pipeline]:
    """The pipelines a deal may open in, in their order."""
    return list(Pipeline.objects.filter(is_active=True).order_by("position", "id"))


def party_brief(party_id: Any) -> Party | None:
    """A party's id and name (the referrer shown on the lead form), or None."""
    if not str(party_id or "").isdigit():
        return None
    return Party.objects.filter(pk=int(party_id)).only("pk", "name").first()


def lead_owner_choices() -> list[Any]:
    """The people a lead may be given to: active users whose role works leads."""
    roles = PERMISSIONS["lead.change"]
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role__in=roles) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "username")
    )


def lead_form_list(*, actor: Any) -> list[LeadForm]:
    """Every lead form, active first, with ``lead_count`` and ``open_count``."""
    require(actor, "sales.configure")
    return list(
        LeadForm.objects.select_related("owner", "pipeline")
        .annotate(
            lead_count=Count("leads"),
            open_count=Count(
                "leads", filter=Q(leads__status__in=[LeadStatus.NEW, LeadStatus.QUALIFIED])
            ),
        )
        .order_by("-is_active", "name", "id")
    )


def lead_form_public(*, code: str) -> LeadForm:
    """The active form ``code`` (no account needed), or 404: an inactive form answers like an
    unknown one."""
    form = (
        LeadForm.objects.select_related("owner", "pipeline")
        .filter(code=(code or "").strip().lower(), is_active=True)
        .first()
    )
    if form is None:
        raise NotFound(_("This form does not exist or no longer takes answers."))
    return form


def lead_form_get(*, actor: Any, form_id: int) -> LeadForm:
    require(actor, "sales.configure")
    form = LeadForm.objects.select_related("owner", "pipeline").filter(pk=form_id).first()
    if form is None:
        raise NotFound(
            _("Lead form %(id)s does not exist.") % {"id": form_id}, details={"id": form_id}
        )
    return form

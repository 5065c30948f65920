"""Public web forms that bring leads in, and their setup.

``lead_form_submit`` is what the public page ``/forms/<code>`` and its JSON twin ``POST
/api/v1/forms/{code}/leads`` both call: no account, so it guards itself. Each client address
may send a form ``settings.LEAD_FORM_RATE_PER_HOUR`` times an hour (counted in Django's cache,
every attempt counting); a honeypot field that people never see and bots fill gets an answer
that looks like success and writes nothing. A person who sends the same form again while
their lead is still open adds to that lead instead of making a second one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, ServiceError
from fregues.core.permissions import require

from ..models import Lead, LeadForm, LeadSource, Pipeline
from ..selectors.leads import lead_form_public
from .common import bump, locked, now_or, sales_event
from .leads import LEAD_AUDIT_FIELDS, OPEN_STATUSES, LeadCreated, clean_lead, insert_lead

# The honeypot: a field named like one a bot expects ("website"), hidden from people.
HONEYPOT_FIELD = "website"
# What the public form asks; anything else sent goes to the lead's ``attributes``.
PUBLIC_FIELDS = ("name", "email", "phone", "company", "job_title", "interest", "message")
ANSWER_KEY_MAX = 60
ANSWER_VALUE_MAX = 1000
ANSWERS_MAX = 30
FORM_AUDIT_FIELDS = (
    "code",
    "name",
    "is_active",
    "owner",
    "pipeline",
    "title",
    "intro",
    "thank_you",
)


class RateLimited(ServiceError):
    """Too many submissions from one address (429)."""

    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Submission:
    """A public form sent: the form, and the lead (None when the honeypot caught a bot — the
    sender is told the same thing either way)."""

    form: LeadForm
    lead: Lead | None
    created: bool = False


def consent_text(form: LeadForm) -> str:
    """The wording of the form's consent box, stored with each consent given."""
    return _("I want to receive news and offers from %(company)s by e-mail.") % {
        "company": settings.COMPANY_NAME
    }


def thank_you_text(form: LeadForm) -> str:
    return form.thank_you or _("Thank you! We will get back to you soon.")


def _throttle(form: LeadForm, ip_address: str | None, now: datetime.datetime) -> None:
    """Count this attempt for the address in the current hour; past the limit, 429."""
    limit = settings.LEAD_FORM_RATE_PER_HOUR
    hour = now.strftime("%Y%m%d%H")
    key = f"fregues:lead-form:{form.pk}:{ip_address or 'unknown'}:{hour}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise RateLimited(
            _(
                "Too many messages from your connection in the last hour. Please try again "
                "later, or call us."
            ),
            details={"retry_after": 3600 - now.minute * 60 - now.second},
        )


def _answers(extra: dict[str, Any] | None, errors: ErrorCollector) -> dict[str, Any]:
    """Other answers sent with the form (fields an embedding page added), kept as text."""
    out: dict[str, Any] = {}
    for key, value in (extra or {}).items():
        name = str(key).strip()[:ANSWER_KEY_MAX]
        if not name or name in PUBLIC_FIELDS or name == HONEYPOT_FIELD:
            continue
        if len(out) >= ANSWERS_MAX:
            errors.add("answers", _("At most %(n)s other answers.") % {"n": ANSWERS_MAX})
            break
        if isinstance(value, bool | int | float):
            out[name] = value
        else:
            out[name] = str(value or "").strip()[:ANSWER_VALUE_MAX]
    return out


def _resubmitted(form: LeadForm, fields: dict[str, Any]) -> Lead | None:
    """The open lead this person already left through this form, if any."""
    match = Q()
    if fields.get("email_normalized"):
        match |= Q(email_normalized=fields["email_normalized"])
    if fields.get("phone_normalized"):
        match |= Q(phone_normalized=fields["phone_normalized"])
    if not match:
        return None
    return (
        Lead.objects.select_for_update()
        .filter(match, form=form, status__in=OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def _add_to(lead: Lead, fields: dict[str, Any], now: datetime.datetime) -> Lead:
    """A second message from the same person: added to their open lead, nothing lost."""
    before = snapshot(lead, LEAD_AUDIT_FIELDS)
    message = fields.get("message") or ""
    if message and message not in lead.message:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        lead.message = f"{lead.message}\n\n— {stamp}\n{message}".strip()[:10000]
    for name in ("phone", "phone_normalized", "email", "email_normalized", "company", "job_title"):
        if fields.get(name) and not getattr(lead, name):
            setattr(lead, name, fields[name])
    lead.attributes = {
        **lead.attributes,
        **fields.get("attributes", {}),
        "submissions": int(lead.attributes.get("submissions") or 1) + 1,
    }
    bump(
        lead,
        [
            "message",
            "phone",
            "phone_normalized",
            "email",
            "email_normalized",
            "company",
            "job_title",
            "attributes",
        ],
    )
    audit_record(
        actor=None,
        action="update",
        instance=lead,
        summary=_("Lead %(name)s sent the form again") % {"name": lead.name},
        changes=diff(before, snapshot(lead, LEAD_AUDIT_FIELDS)),
    )
    sales_event("lead.resubmitted", lead_id=lead.pk, form_id=lead.form_id, owner_id=lead.owner_id)
    return lead


def lead_form_submit(
    *,
    code: str,
    data: dict[str, Any],
    ip_address: str | None = None,
    answers: dict[str, Any] | None = None,
    consent: bool = False,
    now: datetime.datetime | None = None,
) -> Submission:
    """Take a lead from the public form ``code`` (no account): 404 for an unknown or inactive
    form, 429 past the hourly limit of the address, 422 with every field's problem.

    The lead gets the form's owner and remembers the form (its pipeline is where the deal
    opens), the sender's address and the other answers; a ticked consent box is kept with its
    wording and time.
    """
    now = now_or(now)
    form = lead_form_public(code=code)
    _throttle(form, ip_address, now)
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return Submission(form=form, lead=None)
    errors = ErrorCollector()
    given = {name: data.get(name) or "" for name in PUBLIC_FIELDS}
    fields = clean_lead({**given, "source": LeadSource.WEB_FORM}, errors)
    attributes = _answers(answers, errors)
    errors.raise_if_any()
    if consent:
        attributes["marketing_consent"] = True
        attributes["consent_text"] = consent_text(form)
        attributes["consent_at"] = now.isoformat()
    fields.update(
        form=form,
        owner_id=form.owner_id,
        source_detail=form.code,
        ip_address=ip_address or None,
        attributes=attributes,
    )
    with transaction.atomic():
        existing = _resubmitted(form, fields)
        if existing is not None:
            return Submission(form=form, lead=_add_to(existing, fields, now), created=False)
        made: LeadCreated = insert_lead(actor=None, fields=fields)
    return Submission(form=form, lead=made.lead, created=made.created)


# ---------------------------------------------------------------- setup (administrators)


def _code_taken(code: str, current: LeadForm | None) -> bool:
    taken = LeadForm.objects.filter(code=code)
    if current is not None:
        taken = taken.exclude(pk=current.pk)
    return taken.exists()


def _clean_form(
    data: dict[str, Any], errors: ErrorCollector, current: LeadForm | None = None
) -> dict[str, Any]:
    creating = current is None
    out: dict[str, Any] = {}
    if "name" in data or creating:
        name = str(data.get("name") or "").strip()
        if not name:
            errors.add("name", _("A name is required."))
        elif len(name) > 120:
            errors.add("name", _("At most %(n)s characters.") % {"n": 120})
        out["name"] = name[:120]
    if "code" in data or creating:
        raw = str(data.get("code") or "").strip()
        code = slugify(raw or out.get("name", ""))[:60]
        if not code:
            errors.add("code", _("Give the form an address code (letters, digits, hyphens)."))
        elif raw and code != raw.lower():
            errors.add("code", _("Use only lower-case letters, digits and hyphens."))
        elif _code_taken(code, current):
            errors.add("code", _("Another form uses the code '%(c)s'.") % {"c": code})
        out["code"] = code
    for name, size in (("title", 200), ("intro", 2000), ("thank_you", 2000)):
        if name in data:
            value = str(data.get(name) or "").strip()
            if len(value) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            out[name] = value[:size]
    if "owner_id" in data:
        owner_id = data["owner_id"] or None
        if owner_id and not get_user_model().objects.filter(pk=owner_id, is_active=True).exists():
            errors.add("owner_id", _("User %(id)s does not exist.") % {"id": owner_id})
        out["owner_id"] = owner_id
    if "pipeline_id" in data:
        pipeline_id = data["pipeline_id"] or None
        if pipeline_id and not Pipeline.objects.filter(pk=pipeline_id, is_active=True).exists():
            errors.add("pipeline_id", _("Pipeline %(id)s does not exist.") % {"id": pipeline_id})
        out["pipeline_id"] = pipeline_id
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


def lead_form_create(*, actor: Any, data: dict[str, Any]) -> LeadForm:
    """A new public form (its code is its address: ``/forms/<code>``)."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_form(data, errors)
    errors.raise_if_any()
    with transaction.atomic():
        form = LeadForm.objects.create(**fields)
        audit_record(
            actor=actor,
            action="create",
            instance=form,
            summary=_("Lead form %(name)s") % {"name": form.name},
            changes=snapshot(form, FORM_AUDIT_FIELDS),
        )
        sales_event("lead_form.created", form_id=form.pk, code=form.code)
    return form


def lead_form_update(*, actor: Any, form_id: int, data: dict[str, Any]) -> LeadForm:
    """Change a form's texts, owner, pipeline, code or whether it takes answers."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    with transaction.atomic():
        form = locked(LeadForm, form_id, label=_("Lead form"))
        fields = _clean_form(data, errors, current=form)
        errors.raise_if_any()
        before = snapshot(form, FORM_AUDIT_FIELDS)
        for name, value in fields.items():
            setattr(form, name, value)
        changes = diff(before, snapshot(form, FORM_AUDIT_FIELDS))
        if changes:
            form.save()
            audit_record(
                actor=actor,
                action="update",
                instance=form,
                summary=_("Lead form %(name)s") % {"name": form.name},
                changes=changes,
            )
            sales_event("lead_form.updated", form_id=form.pk, code=form.code)
    return form


def lead_form_set_active(*, actor: Any, form_id: int, active: bool) -> LeadForm:
    """Stop a form taking answers (its address then answers 404), or start it again."""
    return lead_form_update(actor=actor, form_id=form_id, data={"is_active": active})

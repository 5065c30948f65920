"""Template helpers for parties: formatted tax ids, ages, stage badges, translated labels."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..models import LifecycleStage
from ..normalize import format_tax_id

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # dev-only package; used in annotations

register = template.Library()

# The names of the records the audit history talks about (their models' verbose names).
MODEL_NAMES = [
    gettext_noop("party"),
    gettext_noop("contact point"),
    gettext_noop("affiliation"),
    gettext_noop("note"),
    gettext_noop("external id"),
    gettext_noop("lifecycle move"),
    gettext_noop("duplicate candidate"),
]

DUPLICATE_REASONS = {
    "same tax id": _("same tax id"),
    "same e-mail (loosely)": _("same e-mail (loosely)"),
    "same phone (loosely)": _("same phone (loosely)"),
    "similar name in the same organisation": _("similar name in the same organisation"),
    "similar name and same birth date": _("similar name and same birth date"),
    "similar name": _("similar name"),
}
CONTACT_LABELS = {
    "mobile": _("mobile"),
    "home": _("home"),
    "work": _("work"),
    "other": _("other"),
}
NETWORKS = {
    "facebook": "Facebook",
    "x": "X",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
}


@register.filter
def tax_id(party: Any) -> str:
    """The party's tax id written the usual way (123.456.789-09, 12.345.678/0001-95)."""
    if not getattr(party, "tax_id", ""):
        return ""
    try:
        return format_tax_id(party.tax_id, party.tax_id_kind)
    except Exception:  # a value stored before validation: show it as it is
        return party.tax_id


@register.filter
def tax_id_kind(party: Any) -> str:
    kind = getattr(party, "tax_id_kind", "")
    return kind.upper() if kind and kind != "other" else str(_("Tax id"))


@register.filter
def age(birth_date: datetime.date | None) -> int | str:
    if not birth_date:
        return ""
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@register.filter
def dup_reason(reason: str) -> str:
    return str(DUPLICATE_REASONS.get(reason, reason))


@register.filter
def cp_label(label: str) -> str:
    return str(CONTACT_LABELS.get(label, label))


@register.filter
def network_name(code: str) -> str:
    return NETWORKS.get(code, code)


@register.simple_tag
def stage_badge(stage: str) -> SafeString:
    label: str | StrPromise
    try:
        label = LifecycleStage(stage).label
    except ValueError:
        label = stage
    return format_html('<span class="badge stage stage-{}">{}</span>', stage, label)


@register.filter
def percent(score: float) -> str:
    return f"{round((score or 0) * 100)}%"


@register.filter
def language_name(code: str) -> str:
    from ..forms import PARTY_LANGUAGES

    return str(dict(PARTY_LANGUAGES).get(code or "", code or ""))

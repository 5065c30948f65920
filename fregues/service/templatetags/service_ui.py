"""Template helpers for customer service: status, priority and SLA badges, the case headline,
event icons and labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fregues.core.templatetags.ui import ago

from ..models import CaseEvent, CasePriority, StatusCategory, WorkOrder
from ..selectors.cases import case_headline
from ..services.sla import sla_state as _sla_state

register = template.Library()

SLA_LABELS = {
    "ok": _("On time"),
    "warning": _("Near its due time"),
    "breached": _("SLA breached"),
    "paused": _("SLA paused"),
    "met": _("SLA met"),
}

EVENT_ICONS: dict[str, str] = {
    CaseEvent.Kind.CREATED: "plus",
    CaseEvent.Kind.TRANSITION: "stage",
    CaseEvent.Kind.ASSIGNED: "person",
    CaseEvent.Kind.REPORT_JOINED: "merge",
    CaseEvent.Kind.PARTNER_DISPATCH: "briefcase",
    CaseEvent.Kind.PARTNER_UPDATE: "refresh",
    CaseEvent.Kind.NOTICE_SENT: "out",
    CaseEvent.Kind.SLA_WARNING: "clock",
    CaseEvent.Kind.SLA_BREACH: "alert",
    CaseEvent.Kind.ESCALATED: "shield",
    CaseEvent.Kind.COMMENT: "note",
    CaseEvent.Kind.SATISFACTION: "star",
    CaseEvent.Kind.UPDATED: "edit",
}
EVENT_LABELS: dict[str, Any] = dict(CaseEvent.Kind.choices)
PRIORITY_LABELS: dict[str, Any] = dict(CasePriority.choices)
CATEGORY_LABELS: dict[str, Any] = dict(StatusCategory.choices)
WORK_ORDER_LABELS: dict[str, Any] = dict(WorkOrder.Status.choices)
RELATION_LABELS = {
    "duplicate_of": _("Duplicate of"),
    "parent": _("Part of"),
    "duplicate": _("Repeated by"),
    "child": _("Includes"),
}


def _language() -> str:
    return get_language() or ""


@register.filter
def status_label(status: Any) -> str:
    """A circuit status's name in the reader's language."""
    return status.label(_language()) if status is not None else ""


@register.filter
def type_label(case_type: Any) -> str:
    if case_type is None:
        return ""
    if _language().startswith("en") and case_type.name_en:
        return case_type.name_en
    return case_type.name


@register.simple_tag
def status_badge(status: Any) -> SafeString:
    """The status of a case, coloured by what it means (open, waiting, resolved, closed)."""
    return format_html(
        '<span class="badge st st-{}" title="{}">{}</span>',
        status.category,
        CATEGORY_LABELS.get(status.category, ""),
        status.label(_language()),
    )


@register.simple_tag
def priority_badge(priority: str) -> SafeString | str:
    if priority == CasePriority.NORMAL:
        return ""
    return format_html(
        '<span class="badge prio prio-{}">{}</span>', priority, PRIORITY_LABELS.get(priority, "")
    )


@register.filter
def priority_label(priority: str) -> str:
    return str(PRIORITY_LABELS.get(priority, priority))


@register.filter
def sla_state(case: Any) -> str:
    """ok, warning, breached, paused or met (empty for a case without an SLA policy)."""
    if not case.sla_policy_id:
        return ""
    return _sla_state(case, timezone.now())


@register.simple_tag
def sla_badge(case: Any, show_due: bool = True) -> SafeString | str:
    """The SLA state of a case, with when it is (or was) due."""
    state = sla_state(case)
    if not state:
        return ""
    due = ""
    if show_due and case.is_open and state != "paused" and case.resolution_due:
        # no-break spaces: the badge is a flex box, where plain spaces at its edges collapse
        due = format_html("\u00a0·\u00a0{}", ago(case.resolution_due))
    return format_html('<span class="badge sla sla-{}">{}{}</span>', state, SLA_LABELS[state], due)


@register.filter
def headline(case: Any) -> str:
    """ "2026-000123 — Enviado ao parceiro há 3 dias" """
    return case_headline(case)


@register.filter
def event_icon(kind: str) -> str:
    return EVENT_ICONS.get(kind.removeprefix("event:"), "history")


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind.removeprefix("event:"), kind))


@register.filter
def work_order_label(status: str) -> str:
    return str(WORK_ORDER_LABELS.get(status, status))


@register.filter
def relation_label(relation: str) -> str:
    return str(RELATION_LABELS.get(relation, relation))


@register.filter
def percent_class(value: float | None) -> str:
    """good / fair / poor for a compliance or quality percentage."""
    if value is None:
        return ""
    if value >= 90:
        return "good"
    if value >= 75:
        return "fair"
    return "poor"


@register.filter
def stars(score: float | None) -> str:
    """★★★★☆ for a score from 1 to 5 (rounded)."""
    if not score:
        return ""
    n = max(0, min(5, round(float(score))))
    return "★" * n + "☆" * (5 - n)


@register.filter
def business_minutes(minutes: int | None) -> str:
    """540 → "9 h", 90 → "1 h 30 min", 45 → "45 min"."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"

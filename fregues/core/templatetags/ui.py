"""Template helpers for every screen: permissions, icons, relative times, slots, form fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.apps import apps
from django.forms import BoundField
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from fregues.core.htmx import slot_render
from fregues.core.permissions import can as _can
from fregues.core.regarding import regarding_links

register = template.Library()


@register.filter
def can(user: Any, permission: str) -> bool:
    """``{% if request.user|can:"party.merge" %}`` — whether the user's role allows it."""
    return bool(user and getattr(user, "is_authenticated", False) and _can(user, permission))


# Icons: 24×24 outline drawings (stroke = currentColor) in the style of Feather/Lucide, as the
# inner markup of an <svg>. Constants written here, never user input.
def _p(*paths: str) -> str:
    return "".join(f'<path d="{d}"/>' for d in paths)


def _c(cx: int, cy: int, r: int) -> str:
    return f'<circle cx="{cx}" cy="{cy}" r="{r}"/>'


def _r(x: int, y: int, w: int, h: int, rx: int = 2) -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"/>'


ICONS: dict[str, str] = {
    "phone": _p(
        "M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6"
        "A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8"
        "a2 2 0 0 1-.5 2.1L8.1 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4"
        "c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z"
    ),
    "email": _r(2, 4, 20, 16) + _p("m22 7-9 5.7a2 2 0 0 1-2 0L2 7"),
    "chat": _p("M7.9 20A9 9 0 1 0 4 16.1L2 22z"),
    "sms": _p("M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z", "M8 9h8M8 13h5"),
    "mms": _r(3, 3, 18, 18) + _c(9, 9, 2) + _p("m21 15-3-3a2 2 0 0 0-2.8 0L6 21"),
    "fax": _p(
        "M6 9V2h12v7",
        "M6 18H4a2 2 0 0 1-2-2v-5a2 2 0 0 1 2-2h16a2 2 0 0 1 2 2v5a2 2 0 0 1-2 2h-2",
    )
    + _r(6, 14, 12, 8, 0),
    "letter": _p(
        "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z",
        "M14 2v6h6M16 13H8M16 17H8M10 9H8",
    ),
    "visit": _p("M20 10c0 6-8 12-8 12s-8-6-8-12a8 8 0 0 1 16 0z") + _c(12, 10, 3),
    "web_form": _r(3, 3, 18, 18) + _p("M7 8h10M7 12h10M7 16h6"),
    "social": _c(12, 12, 4) + _p("M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-4 8"),
    "portal": _r(2, 3, 20, 14) + _p("M8 21h8M12 17v4"),
    "in": _p("M17 7 7 17M17 17H7V7"),
    "out": _p("M7 17 17 7M7 7h10v10"),
    "search": _c(11, 11, 8) + _p("m21 21-4.3-4.3"),
    "plus": _p("M12 5v14M5 12h14"),
    "edit": _p("M17 3a2.85 2.85 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5z"),
    "trash": _p(
        "M3 6h18M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6",
        "M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2",
    ),
    "star": _p("m12 2 3.1 6.3 6.9 1-5 4.9 1.2 6.8-6.2-3.2-6.2 3.2L7 14.2 2 9.3l6.9-1z"),
    "check": _p("M20 6 9 17l-5-5"),
    "verified": _p("M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z", "m9 12 2 2 4-4"),
    "person": _p("M19 21v-2a4 4 0 0 0-4-4H9a4 4 0 0 0-4 4v2") + _c(12, 7, 4),
    "organization": _r(4, 2, 16, 20)
    + _p(
        "M9 22v-4h6v4M8 6h.01M16 6h.01M12 6h.01M12 10h.01M12 14h.01",
        "M16 10h.01M16 14h.01M8 10h.01M8 14h.01",
    ),
    "clock": _c(12, 12, 10) + _p("M12 6v6l4 2"),
    "paperclip": _p(
        "m21.4 11-9.2 9.2a6 6 0 0 1-8.5-8.5l8.6-8.6A4 4 0 1 1 18 8.8"
        "l-8.6 8.6a2 2 0 0 1-2.8-2.8l8.5-8.5"
    ),
    "merge": _c(18, 18, 3) + _c(6, 6, 3) + _p("M6 21V9a9 9 0 0 0 9 9"),
    "globe": _c(12, 12, 10)
    + _p("M2 12h20M12 2a15 15 0 0 1 4 10 15 15 0 0 1-4 10 15 15 0 0 1-4-10A15 15 0 0 1 12 2z"),
    "logout": _p("M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9"),
    "copy": _r(8, 8, 14, 14) + _p("M4 16a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2"),
    "home": _p("m3 9 9-7 9 7v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM9 22V12h6v10"),
    "users": _p("M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2")
    + _c(9, 7, 4)
    + _p("M22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8"),
    "close": _p("M18 6 6 18M6 6l12 12"),
    "note": _p("M15.5 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V8.5z", "M15 3v6h6"),
    "filter": _p("M22 3H2l8 9.5V19l4 2v-8.5z"),
    "chevron": _p("m9 18 6-6-6-6"),
    "briefcase": _r(2, 7, 20, 14) + _p("M16 21V5a2 2 0 0 0-2-2h-4a2 2 0 0 0-2 2v16"),
    "history": _p("M3 12a9 9 0 1 0 9-9 9.8 9.8 0 0 0-6.7 2.7L3 8", "M3 3v5h5M12 7v5l4 2"),
    "link": _p(
        "M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7",
        "M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7",
    ),
    "stage": _p("M22 7 13.5 15.5l-5-5L2 17M16 7h6v6"),
    "download": _p("M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3"),
    "alert": _c(12, 12, 10) + _p("M12 8v4M12 16h.01"),
    "shield": _p("M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z"),
    "chart": _p("M3 3v18h18", "M7 16v-4M12 16V8M17 16v-7"),
    "refresh": _p("M3 12a9 9 0 0 1 15-6.7L21 8M21 3v5h-5M21 12a9 9 0 0 1-15 6.7L3 16M3 21v-5h5"),
}


def _svg(name: str, label: str = "", size: int = 18, css: str = "") -> SafeString:
    inner = mark_safe(ICONS.get(name) or ICONS["alert"])  # nosec B308 B703: our own icons
    if label:
        a11y = format_html(' role="img" aria-label="{}"', label)
        title = format_html("<title>{}</title>", label)
    else:
        a11y, title = mark_safe(' aria-hidden="true"'), mark_safe("")  # nosec B308 B703: constants
    return format_html(
        '<svg class="icon {}" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'focusable="false"{}>{}{}</svg>',
        css,
        size,
        size,
        a11y,
        title,
        inner,
    )


@register.simple_tag
def icon(name: str, label: str = "", size: int = 18, css: str = "") -> SafeString:
    """An inline SVG icon; with ``label`` it is announced to screen readers, else hidden."""
    return _svg(name, str(label), size, css)


@register.filter
def ago(value: datetime.datetime | None) -> SafeString | str:
    """A ``<time>`` showing "3 days ago" ("há 3 dias"), with the full local date on hover."""
    if not value:
        return ""
    now = timezone.now()
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(), tzinfo=now.tzinfo)
    delta = now - value
    if abs(delta) < datetime.timedelta(minutes=1):
        text = _("just now")
    elif delta > datetime.timedelta(0):
        text = _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
    else:
        text = _("in %(time)s") % {"time": timeuntil(value, now, depth=1)}
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        date_filter(local, "DATETIME_FORMAT"),
        text,
    )


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds as ``4:05`` or ``1:02:03``."""
    if seconds is None or seconds == "":
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def initials(name: str) -> str:
    words = [w for w in (name or "").replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def with_regarding(items: Any, prefix: str = "regarding") -> list[tuple[Any, Any]]:
    """``{% for move, cause in moves|with_regarding:"cause" %}``: each item with the link of
    the record its ``<prefix>_type`` / ``<prefix>_id`` name (None when none is known), looked up
    for all items at once (see fregues.core.regarding)."""
    rows = list(items or [])
    refs = [
        (getattr(item, f"{prefix}_type", ""), getattr(item, f"{prefix}_id", None)) for item in rows
    ]
    links = regarding_links(refs)
    return [
        (item, links.get((kind, int(pk))) if kind and pk is not None else None)
        for item, (kind, pk) in zip(rows, refs, strict=True)
    ]


@register.simple_tag(takes_context=True)
def slot(context: template.Context, name: str, obj: Any = None) -> SafeString:
    """Render every panel registered for the slot ``name`` (see fregues.core.htmx)."""
    return mark_safe("".join(slot_render(context["request"], name, obj)))  # nosec B308 B703: rendered templates


@register.simple_tag(takes_context=True)
def slot_list(context: template.Context, name: str, obj: Any = None) -> list[SafeString]:
    """``{% slot_list "party.open_work" party as panels %}`` to test for an empty slot."""
    return slot_render(context["request"], name, obj)


@register.inclusion_tag("core/partials/field.html")
def field(bound: BoundField, css: str = "", hint: str = "") -> dict[str, Any]:
    """A form field with its label, help text and errors, the same on every form."""
    widget = bound.field.widget
    kind = (
        (
            "checkbox"
            if widget.input_type == "checkbox"
            else "radio"
            if getattr(widget, "input_type", "") == "radio"
            else "input"
        )
        if hasattr(widget, "input_type")
        else "input"
    )
    if bound.errors:
        widget.attrs["aria-invalid"] = "true"
        widget.attrs["aria-describedby"] = f"{bound.auto_id}_errors"
    return {"f": bound, "css": css, "hint": hint, "kind": kind}


@register.inclusion_tag("core/partials/form_problems.html", takes_context=True)
def form_problems(context: template.Context, form: Any) -> dict[str, Any]:
    """The message on top of a form the service refused: what went wrong, who holds it."""
    return {"form": form, "request": context.get("request")}


AUDIT_ACTIONS = {
    "create": _lazy("created"),
    "update": _lazy("changed"),
    "delete": _lazy("removed"),
    "merge": _lazy("merged"),
    "move": _lazy("moved"),
}


@register.filter
def audit_action(action: str) -> str:
    return str(AUDIT_ACTIONS.get(action, action))


@register.filter
def audit_entity(entity_type: str) -> str:
    """The translated name of the record an audit entry is about ("ponto de contato")."""
    try:
        name = str(apps.get_model(entity_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return entity_type
    # Models without a translated verbose_name: their apps mark the names for translation.
    return _(name)


def _shown(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_lazy("yes") if value else _lazy("no"))
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    return str(value)


@register.filter
def audit_rows(entry: Any) -> list[dict[str, str]]:
    """An audit entry's changes as rows of (field, before, after), labelled and translated.

    Updates store ``{field: [before, after]}``; creations a snapshot ``{field: value}``;
    removals the snapshot of what was removed.
    """
    changes = entry.changes or {}
    if not isinstance(changes, dict):
        return []
    try:
        model = apps.get_model(entry.entity_type)
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, value in changes.items():
        try:
            field = model._meta.get_field(name) if model else None
        except Exception:
            field = None
        label = str(getattr(field, "verbose_name", "") or name.replace("_", " "))
        skip = isinstance(value, dict) and entry.action == "merge"
        if skip or value in (None, "", [], {}, False):
            continue
        if isinstance(value, list) and len(value) == 2 and entry.action in ("update", "move"):
            before, after = value
            rows.append(
                {"label": label, "before": _shown(field, before), "after": _shown(field, after)}
            )
        elif entry.action == "delete":
            rows.append({"label": label, "before": _shown(field, value), "after": ""})
        else:
            rows.append({"label": label, "before": "", "after": _shown(field, value)})
    return rows

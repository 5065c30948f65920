"""Saved pivots and the dashboards per role: every write checked, validated first, in one
transaction and audited.

A saved report's definition is validated by the pivot engine itself, so a saved report
always runs. Its owner (or an administrator) changes it; the roles it is shared with read it.
A role's dashboard is the list of ``DashboardItem`` rows for that role: a user pins a report
shared with their own role; an administrator pins for any role.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, Forbidden, Invalid, NotFound
from fregues.core.permissions import ROLES, can, require, role_of

from ..models import DashboardItem, SavedReport
from ..models.pivot import ChartType
from ..pivot import pivot_definition_clean

FIELDS = ("name", "definition", "shared_roles", "chart")
NAME_LENGTH = 120


def _user(actor: Any) -> Any:
    return (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )


def _clean(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors = ErrorCollector()
    out: dict[str, Any] = {}
    if "name" in data or not partial:
        name = str(data.get("name") or "").strip()
        if not name:
            errors.add("name", _("Give the report a name."))
        elif len(name) > NAME_LENGTH:
            errors.add("name", _("At most %(n)s characters.") % {"n": NAME_LENGTH})
        out["name"] = name
    if "definition" in data or not partial:
        try:
            out["definition"] = pivot_definition_clean(data.get("definition") or {}).as_dict()
        except Invalid as exc:
            for key, messages in exc.errors.items():
                for message in messages:
                    errors.add(f"definition.{key}", message)
    if "shared_roles" in data:
        roles = data.get("shared_roles") or []
        unknown = [r for r in roles if r not in ROLES] if isinstance(roles, list) else ["?"]
        if unknown:
            errors.add(
                "shared_roles", _("Unknown role: %(r)s.") % {"r": ", ".join(map(str, unknown))}
            )
        out["shared_roles"] = sorted(set(roles)) if not unknown else []
    if "chart" in data:
        chart = str(data.get("chart") or "")
        if chart not in ChartType.values:
            errors.add("chart", _("Choose bars, a line or a table."))
        out["chart"] = chart
    errors.raise_if_any(_("The report is not valid."))
    return out


def saved_report_visible(actor: Any, report: SavedReport) -> bool:
    """Its owner, the roles it is shared with, and administrators see a saved report."""
    if actor is None or can(actor, "analytics.configure"):
        return True
    return report.owner_id == getattr(actor, "pk", None) or role_of(actor) in (
        report.shared_roles or []
    )


def _editable(actor: Any, report: SavedReport) -> None:
    if actor is None or can(actor, "analytics.configure"):
        return
    if report.owner_id != getattr(actor, "pk", None):
        raise Forbidden(_("Only the report's owner changes it."))


def _locked(report_id: int, actor: Any) -> SavedReport:
    report = SavedReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None or not saved_report_visible(actor, report):
        raise NotFound(
            _("Report %(id)s does not exist.") % {"id": report_id}, details={"id": report_id}
        )
    return report


def saved_report_create(*, actor: Any, data: dict[str, Any]) -> SavedReport:
    """Save a pivot: ``name``, ``definition`` (validated by the engine), ``shared_roles``,
    ``chart``. The actor owns it. Needs ``analytics.view``."""
    require(actor, "analytics.view")
    fields = _clean(data, partial=False)
    with transaction.atomic():
        report = SavedReport.objects.create(**fields, owner=_user(actor))
        audit_record(
            actor=actor,
            action="create",
            instance=report,
            summary=_("Report %(name)s saved") % {"name": report.name},
            changes=snapshot(report, FIELDS),
        )
    return report


def saved_report_update(*, actor: Any, report_id: int, data: dict[str, Any]) -> SavedReport:
    """Change the fields sent; only the owner (or an administrator)."""
    require(actor, "analytics.view")
    fields = _clean(data, partial=True)
    with transaction.atomic():
        report = _locked(report_id, actor)
        _editable(actor, report)
        before = snapshot(report, FIELDS)
        for name, value in fields.items():
            setattr(report, name, value)
        report.save()
        audit_record(
            actor=actor,
            action="update",
            instance=report,
            summary=_("Report %(name)s changed") % {"name": report.name},
            changes=diff(before, snapshot(report, FIELDS)),
        )
    return report


def saved_report_delete(*, actor: Any, report_id: int) -> None:
    """Delete a saved report (and its pins); only the owner (or an administrator)."""
    require(actor, "analytics.view")
    with transaction.atomic():
        report = _locked(report_id, actor)
        _editable(actor, report)
        audit_record(
            actor=actor,
            action="delete",
            instance=report,
            summary=_("Report %(name)s deleted") % {"name": report.name},
        )
        report.delete()


def dashboard_pin(*, actor: Any, report_id: int, role: str | None = None) -> DashboardItem:
    """Pin a saved report to a role's dashboard (the actor's own role; an administrator may
    name any role). The report must be shared with that role, so everyone who sees the
    dashboard may read it."""
    require(actor, "analytics.view")
    own = role_of(actor)
    role = role or own or ""
    if role not in ROLES:
        raise Invalid.field("role", _("Unknown role: %(r)s.") % {"r": role})
    if actor is not None and role != own and not can(actor, "analytics.configure"):
        raise Forbidden(_("You may pin reports to your own role's dashboard only."))
    with transaction.atomic():
        report = _locked(report_id, actor)
        if role not in (report.shared_roles or []):
            raise Invalid.field(
                "role", _("Share the report with this role before pinning it to its dashboard.")
            )
        item = DashboardItem.objects.filter(role=role, report=report).first()
        if item is not None:
            return item
        last = DashboardItem.objects.filter(role=role).aggregate(m=Max("position"))["m"]
        item = DashboardItem.objects.create(
            role=role, report=report, position=(last or 0) + 1, pinned_by=_user(actor)
        )
        audit_record(
            actor=actor,
            action="pin",
            instance=item,
            summary=_("Report %(name)s pinned to the %(role)s dashboard")
            % {"name": report.name, "role": role},
        )
    return item


def dashboard_unpin(*, actor: Any, item_id: int) -> None:
    """Take an item off a dashboard: whoever pinned it, or an administrator."""
    require(actor, "analytics.view")
    with transaction.atomic():
        item = DashboardItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or (
            actor is not None
            and item.role != role_of(actor)
            and not can(actor, "analytics.configure")
        ):
            raise NotFound(_("Dashboard item %(id)s does not exist.") % {"id": item_id})
        if (
            actor is not None
            and not can(actor, "analytics.configure")
            and item.pinned_by_id != actor.pk
        ):
            raise Forbidden(_("Only who pinned it (or an administrator) takes it off."))
        audit_record(
            actor=actor,
            action="unpin",
            instance=item,
            summary=_("Item taken off the %(role)s dashboard") % {"role": item.role},
        )
        item.delete()

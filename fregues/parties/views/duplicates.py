"""The duplicates review: stored pairs, scan, side-by-side compare and merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.views import service_http_errors

from .. import selectors, services, ui_selectors
from ..forms import (
    MergeForm,
)
from ..models import Party
from ..templatetags.parties_ui import language_name as fmt_language
from ..templatetags.parties_ui import tax_id as fmt_tax
from .customers import _conflict_text

# ---------------------------------------------------------------- duplicates


@login_required
@require_GET
@service_http_errors
def duplicates(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    if status not in {"open", "dismissed", "merged"}:
        status = "open"
    rows = ui_selectors.duplicate_pairs(actor=request.user, status=status)
    return render(request, "parties/duplicates.html", {"rows": rows, "status": status})


@login_required
@require_POST
@service_http_errors
def duplicates_scan(request: HttpRequest) -> HttpResponse:
    result = services.duplicate_scan(actor=request.user)
    messages.success(
        request,
        _("Scan finished: %(found)s pairs to review, %(new)s new.")
        % {"found": result["found"], "new": result["new"]},
    )
    return redirect("parties:duplicates")


@login_required
@service_http_errors
def duplicate_compare(request: HttpRequest, party_a_id: int, party_b_id: int) -> HttpResponse:
    """Two records side by side; a relationship manager keeps one and merges the other in,
    or says they are different customers."""
    try:
        a = selectors.party_get(actor=request.user, party_id=party_a_id)
        b = selectors.party_get(actor=request.user, party_id=party_b_id)
    except NotFound as exc:
        if exc.code == "merged":
            messages.info(request, _("One of these customers was already merged."))
            return redirect("parties:duplicates")
        raise
    if a.pk == b.pk:
        raise NotFound(_("A customer cannot be compared with itself."))
    form = MergeForm(request.POST or None, ids=(a.pk, b.pk))
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "dismiss":
                services.duplicate_dismiss(actor=request.user, party_a_id=a.pk, party_b_id=b.pk)
                messages.success(
                    request,
                    _("Marked as different customers: %(a)s and %(b)s.")
                    % {"a": a.name, "b": b.name},
                )
                return redirect("parties:duplicates")
            if action == "merge" and form.is_valid():
                survivor_id = form.cleaned_data["survivor"]
                merged = b if survivor_id == a.pk else a
                survivor = services.party_merge(
                    actor=request.user, survivor_id=survivor_id, merged_id=merged.pk
                )
                messages.success(
                    request,
                    _("%(merged)s was merged into %(survivor)s.")
                    % {"merged": merged.name, "survivor": survivor.name},
                )
                return redirect("parties:detail", survivor.pk)
            error = _("Choose which record to keep.")
        except ServiceError as exc:
            error = _conflict_text(exc)
    keep = a.pk if _richness(a) >= _richness(b) else b.pk
    context = {
        "a": a,
        "b": b,
        "pair": ui_selectors.stored_pair(a.pk, b.pk),
        "keep": keep,
        "error": error,
        "rows": _compare_rows(a, b),
    }
    return render(request, "parties/compare.html", context, status=422 if error else 200)


def _richness(party: Party) -> tuple[int, int]:
    return (len(party.contact_points.all()) + len(party.tags.all()), -party.pk)


def _compare_rows(a: Party, b: Party) -> list[dict[str, Any]]:
    def show(p: Party, name: str) -> str:
        if name == "kind":
            return p.get_kind_display()
        if name == "lifecycle_stage":
            return p.get_lifecycle_stage_display()
        if name == "tax_id":
            return fmt_tax(p)
        if name == "owner":
            return p.owner.display_name if p.owner else ""
        if name == "tags":
            return ", ".join(t.name for t in p.tags.all())
        if name == "birth_date":
            return date_format(p.birth_date, "SHORT_DATE_FORMAT") if p.birth_date else ""
        if name == "language":
            return fmt_language(p.language)
        return str(getattr(p, name) or "")

    labels = [
        ("name", _("Name")),
        ("kind", _("Kind")),
        ("legal_name", _("Legal name")),
        ("tax_id", _("Tax id")),
        ("birth_date", _("Birth date")),
        ("country", _("Country")),
        ("language", _("Language")),
        ("lifecycle_stage", _("Lifecycle stage")),
        ("owner", _("Relationship manager")),
        ("tags", _("Tags")),
    ]
    rows = []
    for name, label in labels:
        left, right = show(a, name), show(b, name)
        rows.append({"label": label, "a": left, "b": right, "differ": left != right})
    return rows

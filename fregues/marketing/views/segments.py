"""Marketing screens: segments — the list, the rule builder (new and saved segments) with its
live count and member preview, snapshots.

The builder is a plain form (``segment_builder`` explains its field names). With HTMX, every
change posts the form to ``segment_count`` (debounced) and shows the count; the add / remove
buttons and the field and operator selects post it to ``segment_builder``, which answers the
builder re-drawn (and the count, out of band). Without JavaScript the same buttons submit
the form to ``segment_builder``, which answers the whole page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid, ServiceError
from fregues.core.htmx import hx_redirect, is_htmx
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from ..models import Segment
from ..segment_fields import dynamic_choices
from ..segments import validate
from ..selectors import segments as selectors
from ..services import segments as services
from . import segment_builder as builder

PREVIEW_ROWS = 10


def _context(
    request: HttpRequest,
    *,
    tree: builder.Node,
    segment: Segment | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    errors = errors or {}
    count, count_errors = _count(request, tree)
    return {
        "segment": segment,
        "form": form
        or {
            "name": segment.name if segment else "",
            "description": segment.description if segment else "",
            "version": segment.version if segment else "",
        },
        "errors": errors,
        "rule_errors": {k: v for k, v in errors.items() if k.startswith("rules")},
        "tree": builder.view_model(tree, dynamic_choices(), errors),
        "count": count,
        "count_errors": count_errors,
        "may_change": can(request.user, "segment.change"),
        "snapshots": list(
            selectors.segment_snapshots(actor=request.user, segment_id=segment.pk)[:20]
        )
        if segment
        else [],
    }


def _count(request: HttpRequest, tree: builder.Node) -> tuple[int | None, list[str]]:
    rules, _paths = builder.to_rules(tree)
    try:
        return services.segment_count(actor=request.user, rules=rules), []
    except Invalid as exc:
        return None, [m for ms in exc.errors.values() for m in ms] or [exc.message]


def _form_of(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "version": request.POST.get("version", ""),
    }


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@login_required
@require_GET
@service_http_errors
def segments(request: HttpRequest) -> HttpResponse:
    """Every segment with its last count, when it was counted, and its owner."""
    rows = selectors.segment_list(actor=request.user, q=request.GET.get("q", ""))
    return render(
        request,
        "marketing/segments/list.html",
        {
            "segments": rows,
            "q": request.GET.get("q", ""),
            "may_change": can(request.user, "segment.change"),
        },
    )


@login_required
@service_http_errors
def segment_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "segment.change")
    if request.method == "POST":
        return _save(request, None)
    tree = builder.new_group("all")
    return render(request, "marketing/segments/edit.html", _context(request, tree=tree))


@login_required
@service_http_errors
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    if request.method == "POST":
        return _save(request, segment)
    tree = builder.from_rules(segment.rules)
    return render(
        request, "marketing/segments/edit.html", _context(request, tree=tree, segment=segment)
    )


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    tree = builder.parse(request.POST)
    rules, _paths = builder.to_rules(tree)
    if segment is not None and "party_ids" in (segment.rules or {}):
        rules = segment.rules  # a static list (from the analytics pivot): the builder renames it
    form = _form_of(request)
    data = {"name": form["name"], "description": form["description"], "rules": rules}
    try:
        if segment is None:
            segment = services.segment_create(actor=request.user, data=data)
            messages.success(request, _("Segment saved."))
        else:
            services.segment_update(
                actor=request.user,
                segment_id=segment.pk,
                data=data,
                version=_version(form["version"]),
            )
            messages.success(request, _("Segment saved."))
    except Invalid as exc:
        context = _context(request, tree=tree, segment=segment, form=form, errors=exc.errors)
        return render(request, "marketing/segments/edit.html", context, status=422)
    except ServiceError as exc:
        if exc.code != "version_conflict":
            raise
        context = _context(
            request, tree=tree, segment=segment, form=form, errors={"version": [exc.message]}
        )
        return render(request, "marketing/segments/edit.html", context, status=409)
    return redirect("marketing:segment_detail", segment_id=segment.pk)


@login_required
@require_POST
@service_http_errors
def segment_builder(request: HttpRequest) -> HttpResponse:
    """The builder after an edit (a condition or group added or removed, a field or an
    operator chosen): the fragment for HTMX, the whole page without JavaScript."""
    require(request.user, "segment.view")
    tree = builder.apply_action(builder.parse(request.POST), request.POST.get("action", ""))
    segment_id = _version(request.POST.get("segment_id", ""))
    segment = (
        selectors.segment_get(actor=request.user, segment_id=segment_id) if segment_id else None
    )
    context = _context(request, tree=tree, segment=segment, form=_form_of(request))
    if is_htmx(request):
        return render(request, "marketing/segments/partials/builder_update.html", context)
    return render(request, "marketing/segments/edit.html", context)


@login_required
@require_POST
@service_http_errors
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count of the rules the form holds (one query)."""
    require(request.user, "segment.view")
    count, errors = _count(request, builder.parse(request.POST))
    return render(
        request, "marketing/segments/partials/count.html", {"count": count, "count_errors": errors}
    )


@login_required
@require_POST
@service_http_errors
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The first members of the rules the form holds, by name."""
    rules, _paths = builder.to_rules(builder.parse(request.POST))
    try:
        page = selectors.segment_members(
            actor=request.user, rules=validate(rules), per_page=PREVIEW_ROWS
        )
        rows, problem = page.rows, ""
    except Invalid as exc:
        rows, problem = [], exc.message
    return render(
        request, "marketing/segments/partials/members.html", {"rows": rows, "problem": problem}
    )


@login_required
@require_POST
@service_http_errors
def segment_snapshot(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Freeze the saved segment's members now."""
    try:
        snap = services.segment_snapshot(
            actor=request.user, segment_id=segment_id, name=request.POST.get("snapshot_name", "")
        )
        messages.success(
            request,
            _("Snapshot taken: %(n)s customers frozen.") % {"n": f"{snap.member_count:,}"},
        )
    except Invalid as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    return redirect(reverse("marketing:segment_detail", args=[segment_id]) + "#snapshots")


@login_required
@require_POST
@service_http_errors
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    try:
        services.segment_delete(actor=request.user, segment_id=segment_id)
    except ServiceError as exc:
        if exc.status != 409:
            raise
        messages.error(request, exc.message)
        target = reverse("marketing:segment_detail", args=[segment_id])
        return hx_redirect(target) if is_htmx(request) else redirect(target)
    messages.success(request, _("Segment deleted."))
    target = reverse("marketing:segments")
    return hx_redirect(target) if is_htmx(request) else redirect(target)


urlpatterns: list[URLPattern] = [
    path("marketing/segments/", segments, name="segments"),
    path("marketing/segments/new/", segment_new, name="segment_new"),
    path("marketing/segments/builder/", segment_builder, name="segment_builder"),
    path("marketing/segments/count/", segment_count, name="segment_count"),
    path("marketing/segments/preview/", segment_preview, name="segment_preview"),
    path("marketing/segments/<int:segment_id>/", segment_detail, name="segment_detail"),
    path(
        "marketing/segments/<int:segment_id>/snapshot/", segment_snapshot, name="segment_snapshot"
    ),
    path("marketing/segments/<int:segment_id>/delete/", segment_delete, name="segment_delete"),
]

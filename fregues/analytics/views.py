"""Analytics screens under /analytics/: the home (every report the reader may open, and how
fresh the reporting store is). Each report adds its own views module and registers its page
in ``reports.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from .reports import report_pages
from .selectors.refresh import refresh_status
from .tasks import analytics_refresh_task


@login_required
@require_GET
@service_http_errors
def home(request: HttpRequest) -> HttpResponse:
    require(request.user, "analytics.view")
    pages = [p for p in report_pages() if can(request.user, p.permission)]
    groups: dict[str, list] = {}
    for page in pages:
        groups.setdefault(str(page.group), []).append(page)
    return render(
        request,
        "analytics/home.html",
        {"groups": groups, "status": refresh_status(actor=request.user)},
    )


@login_required
@require_POST
@service_http_errors
def refresh(request: HttpRequest) -> HttpResponse:
    require(request.user, "analytics.configure")
    full = request.POST.get("full") == "1"
    transaction.on_commit(lambda: analytics_refresh_task.enqueue(full=full))
    messages.success(request, _("A refresh of the reporting store is queued."))
    return redirect("analytics:home")


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("refresh/", refresh, name="refresh"),
]

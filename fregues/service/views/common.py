"""Helpers shared by the customer-service screens."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fregues.core.errors import ServiceError

LIST_PAGE = 30
REPORT_PERIODS = (30, 90, 365)
SLA_GROUPS = ("queue", "agent", "case_type")
CSAT_GROUPS = ("agent", "queue")


def _detail_url(protocol: str) -> str:
    return reverse("service:detail", args=[protocol])


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _conflict_text(exc: ServiceError) -> str:
    if exc.code == "version_conflict":
        return _(
            "Someone else changed this case while you were looking at it. "
            "Reload the page to see their changes, then try again."
        )
    if exc.code == "forbidden":
        return _("Your role does not allow this action.")
    return exc.message


def _period(request: HttpRequest) -> tuple[int, datetime.datetime]:
    days = _int(request.GET.get("days")) or 90
    if days not in REPORT_PERIODS:
        days = 90
    return days, timezone.now() - datetime.timedelta(days=days)

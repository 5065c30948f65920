"""The forecast screen: per owner and month, open deals weighted by their probability and
the deals won, per currency, as a table and as bars. Aggregates only: marketing may open it
(``sales.report``); it names no deal and no customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from fregues.core.errors import ServiceError
from fregues.core.views import service_http_errors

from ..forms.opportunities import id_or_none
from ..money import ZERO, money
from ..selectors import forecast as forecasts
from ..selectors import opportunities as selectors


@login_required
@require_GET
@service_http_errors
def forecast(request: HttpRequest) -> HttpResponse:
    """Weighted and won per owner and month, per currency, with bars."""
    user = request.user
    months = id_or_none(request.GET.get("months")) or forecasts.DEFAULT_MONTHS
    months = months if months in (3, 6, 12) else forecasts.DEFAULT_MONTHS
    owner = (request.GET.get("owner") or "").strip()
    start = (request.GET.get("start") or "").strip()
    try:
        data = forecasts.forecast(
            actor=user,
            start=start or None,
            months=months,
            pipeline_id=id_or_none(request.GET.get("pipeline")),
            owner_id=request.user.pk if owner == "mine" else id_or_none(owner),
        )
    except ServiceError as exc:
        if exc.code == "forbidden":
            raise
        messages.error(request, exc.message)
        start = ""
        data = forecasts.forecast(actor=user, months=months)
    context = {
        "data": data,
        "charts": forecast_charts(data),
        "months_choice": months,
        "owner": owner,
        "start": start or data.start.strftime("%Y-%m"),
        "pipeline_id": data.pipeline_id,
        "pipelines": selectors.pipeline_list(actor=user),
        "owners": forecasts.forecast_owners(actor=user),
    }
    return render(request, "sales/deals/forecast.html", context)


def forecast_charts(data: forecasts.Forecast) -> list[dict[str, Any]]:
    """Per currency: the table's rows, and one bar pair per month (weighted open, won)
    scaled to the largest, as CSS widths."""
    language = get_language() or "pt-br"
    charts = []
    for currency in data.currencies:
        cells = [(m, data.totals.cell(m, currency)) for m in data.months]
        top = max([max(c.weighted, c.won) for _m, c in cells] or [ZERO]) or Decimal(1)
        loose = data.loose.get(currency)
        charts.append(
            {
                "currency": currency,
                "bars": [
                    {
                        "month": month,
                        "cell": cell,
                        "weighted_pct": f"{float(cell.weighted / top * 100):.1f}",
                        "won_pct": f"{float(cell.won / top * 100):.1f}",
                    }
                    for month, cell in cells
                ],
                "rows": [
                    {
                        "name": row.owner_name,
                        "cells": [
                            {"month": m, "cell": c}
                            for m, c in zip(data.months, row_cells, strict=True)
                        ],
                        "total": total,
                    }
                    for row, row_cells, total in data.grid(currency)
                ],
                "total": data.totals.total(currency),
                "loose": {
                    "overdue_count": loose.overdue_count,
                    "overdue_weighted_text": money(loose.overdue_weighted, currency, language),
                    "undated_count": loose.undated_count,
                    "undated_amount_text": money(loose.undated_amount, currency, language),
                }
                if loose
                else None,
            }
        )
    return charts


urlpatterns = [path("sales/forecast/", forecast, name="forecast")]

"""Panels the parties app puts on the home page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from fregues.core.htmx import slot_register

from .. import ui_selectors

# ---------------------------------------------------------------- home panels


def _home_overview(request: HttpRequest, _obj: Any) -> str:
    counts = ui_selectors.stage_counts(actor=request.user)
    return render_to_string(
        "parties/partials/home_overview.html",
        {"counts": counts, "total": sum(c.count for c in counts)},
        request=request,
    )


def _home_portfolio(request: HttpRequest, _obj: Any) -> str:
    assert request.user.pk is not None  # the home page is login_required
    parties, total = ui_selectors.portfolio(actor=request.user, owner_id=request.user.pk)
    return render_to_string(
        "parties/partials/home_portfolio.html",
        {"parties": parties, "total": total},
        request=request,
    )


slot_register("home", "parties.overview", _home_overview, order=10)
slot_register("home", "parties.portfolio", _home_portfolio, order=30)

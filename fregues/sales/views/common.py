"""Helpers shared by the sales screens."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def placeholder(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """A screen still being built (replaced as each area lands)."""
    return render(request, "sales/placeholder.html", {})

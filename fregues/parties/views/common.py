"""Helpers shared by the parties screens."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from fregues.core.errors import NotFound

CONTACT_KIND_ORDER = {"phone": 0, "email": 1, "social": 2, "address": 3}


def _detail_url(party_id: int) -> str:
    return reverse("parties:detail", args=[party_id])


def _merged_redirect(exc: NotFound) -> HttpResponseRedirect | None:
    if exc.code == "merged" and exc.details.get("merged_into"):
        return redirect("parties:detail", exc.details["merged_into"])
    return None

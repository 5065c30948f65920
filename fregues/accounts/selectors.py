"""Reads on users."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fregues.core.permissions import PERMISSIONS, can, require

from .models import User


def user_list(*, actor: Any, role: str | None = None) -> QuerySet[User]:
    """Active users (to pick an owner or an agent)."""
    require(actor, "party.view")
    qs = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if role:
        qs = qs.filter(role=role)
    return qs


def permissions_of(actor: Any) -> list[str]:
    return sorted(code for code in PERMISSIONS if can(actor, code))

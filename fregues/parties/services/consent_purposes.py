"""Defining consent purposes: what the company may ask a customer to allow (administrators,
``marketing.configure``). Purposes are data; records point at them, so a purpose is never
deleted — it is deactivated, and its history stays readable."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import require

from ..models import ConsentPurpose, LawfulBasis

# The channels a purpose may cover (contact channels, plus "phone" calls and "letter").
PURPOSE_CHANNELS = ("email", "sms", "whatsapp", "phone", "letter")
FIELDS = ("name", "name_en", "description", "lawful_basis", "channels", "is_active")


def _clean(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, size in (("name", 120), ("name_en", 120), ("description", 2000)):
        if name in data and data[name] is not None:
            value = str(data[name]).strip()
            if len(value) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            out[name] = value
    if "name" in out and not out["name"]:
        errors.add("name", _("Give the purpose a name."))
    if data.get("lawful_basis") is not None:
        if data["lawful_basis"] not in LawfulBasis.values:
            errors.add(
                "lawful_basis",
                _("Lawful basis is one of: %(c)s.") % {"c": ", ".join(LawfulBasis.values)},
            )
        out["lawful_basis"] = data["lawful_basis"]
    if data.get("channels") is not None:
        channels = list(dict.fromkeys(str(c).strip().lower() for c in data["channels"] if c))
        wrong = [c for c in channels if c not in PURPOSE_CHANNELS]
        if wrong:
            errors.add(
                "channels", _("Channels are among: %(c)s.") % {"c": ", ".join(PURPOSE_CHANNELS)}
            )
        out["channels"] = channels
    if data.get("is_active") is not None:
        out["is_active"] = bool(data["is_active"])
    return out


def consent_purpose_create(*, actor: Any, code: str, data: dict[str, Any]) -> ConsentPurpose:
    """A new purpose (its code is its key in the API, imports and senders: never changes)."""
    require(actor, "marketing.configure")
    errors = ErrorCollector()
    code = slugify(code or "").replace("-", "_")[:60]
    if not code:
        errors.add("code", _("Give the purpose a code (letters, digits, _)."))
    if not (data.get("name") or "").strip():
        errors.add("name", _("Give the purpose a name."))
    fields = _clean(data, errors)
    errors.raise_if_any()
    if ConsentPurpose.objects.filter(code=code).exists():
        raise Conflict(
            _("A purpose with code '%(c)s' exists.") % {"c": code}, code="purpose_exists"
        )
    with transaction.atomic():
        position = ConsentPurpose.objects.count()
        purpose = ConsentPurpose.objects.create(code=code, position=position, **fields)
        audit_record(
            actor=actor,
            action="create",
            instance=purpose,
            summary=f"consent purpose {code}",
            changes=snapshot(purpose, FIELDS),
        )
    return purpose


def consent_purpose_update(*, actor: Any, code: str, data: dict[str, Any]) -> ConsentPurpose:
    """Change a purpose's names, text, lawful basis, channels or whether it is active."""
    require(actor, "marketing.configure")
    errors = ErrorCollector()
    fields = _clean(data, errors)
    with transaction.atomic():
        purpose = ConsentPurpose.objects.select_for_update().filter(code=code).first()
        if purpose is None:
            raise NotFound(_("Purpose '%(c)s' does not exist.") % {"c": code})
        errors.raise_if_any()
        before = snapshot(purpose, FIELDS)
        for name, value in fields.items():
            setattr(purpose, name, value)
        changes = diff(before, snapshot(purpose, FIELDS))
        if changes:
            purpose.save()
            audit_record(
                actor=actor,
                action="update",
                instance=purpose,
                summary=f"consent purpose {code}",
                changes=changes,
            )
    return purpose

"""Helpers shared by the sales services: numbering, versions, locks, who did it."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector, NotFound, VersionConflict
from fregues.core.events import event_emit
from fregues.parties.models import Party
from fregues.parties.selectors import party_survivor_id

from ..models import DocumentSequence
from ..money import clean_currency

M = TypeVar("M", bound=models.Model)

# What interactions and lifecycle moves name when they regard a sales record.
OPPORTUNITY_REGARDING = "sales.opportunity"
ACTIVITY_REGARDING = "sales.activity"
QUOTE_REGARDING = "sales.quote"
ORDER_REGARDING = "sales.order"
INVOICE_REGARDING = "sales.invoice"
LEAD_REGARDING = "sales.lead"


def user_or_none(actor: Any) -> Any:
    """The actor as a user to store on a row, or None for the system (tasks, importers)."""
    return (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )


def now_or(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def locked(model: type[M], pk: Any, label: str | None = None) -> M:
    """The row ``pk`` of ``model``, locked for the rest of the transaction, or 404."""
    row = model._default_manager.select_for_update().filter(pk=pk).first()
    if row is None:
        name = label or str(model._meta.verbose_name).capitalize()
        raise NotFound(
            _("%(name)s %(id)s does not exist.") % {"name": name, "id": pk}, details={"id": pk}
        )
    return row


def check_version(row: Any, version: int | None) -> None:
    """409 when the caller read an older version of ``row`` than the one stored."""
    if version is not None and version != row.version:
        raise VersionConflict(
            _(
                "%(what)s %(id)s was changed by someone else (version %(current)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {
                "what": str(row._meta.verbose_name).capitalize(),
                "id": row.pk,
                "current": row.version,
                "sent": version,
            },
            details={"current_version": row.version},
        )


def bump(row: Any, fields: list[str] | tuple[str, ...] = ()) -> None:
    """Save ``row`` with its version raised by one (and ``updated_at``)."""
    row.version += 1
    row.save(update_fields=sorted({"version", "updated_at", *fields}))


def next_number(kind: str, now: datetime.datetime | None = None) -> str:
    """The next readable number of a kind of document: ``ORC-2026-000041`` (prefixes in
    settings.DOCUMENT_PREFIXES). Call inside the writing transaction: the sequence row is
    locked until it commits, so two writers never get the same number."""
    year = timezone.localtime(now_or(now)).year
    prefix = settings.DOCUMENT_PREFIXES.get(kind, f"{kind.upper()}-")
    for _attempt in range(3):
        sequence = DocumentSequence.objects.select_for_update().filter(kind=kind, year=year).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = DocumentSequence.objects.create(kind=kind, year=year)
            except IntegrityError:
                continue
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        return f"{prefix}{year}-{sequence.last_number:06d}"
    raise RuntimeError(f"could not reserve a {kind} number")


def live_party(
    party_id: Any, errors: ErrorCollector, field: str = "party_id", required: bool = True
) -> Party | None:
    """The party ``party_id`` (following a merge to its survivor), or an error on ``field``."""
    if party_id in (None, ""):
        if required:
            errors.add(field, _("Choose the customer."))
        return None
    try:
        pk = int(party_id)
    except (TypeError, ValueError):
        errors.add(field, _("Party %(id)s does not exist.") % {"id": party_id})
        return None
    party = Party.objects.filter(pk=pk).first()
    if party is None:
        errors.add(field, _("Party %(id)s does not exist.") % {"id": party_id})
        return None
    if party.merged_into_id:
        party = Party.objects.get(pk=party_survivor_id(party.pk))
    return party


def currency_or_error(value: Any, errors: ErrorCollector, field: str = "currency") -> str:
    """The ISO 4217 code of ``value`` (default: settings.DEFAULT_CURRENCY when empty), or an
    error ("Unknown currency 'XYZ'")."""
    if value in (None, ""):
        return settings.DEFAULT_CURRENCY
    code = clean_currency(value)
    if code is None:
        errors.add(
            field,
            _("Unknown currency '%(v)s'. Use an ISO 4217 code such as BRL, EUR or USD.")
            % {"v": value},
        )
        return ""
    return code


def sales_event(name: str, **payload: Any) -> None:
    """Emit ``sales.<name>`` to the outbox (delivered after commit)."""
    event_emit(f"sales.{name}", payload)

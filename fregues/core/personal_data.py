"""The personal-data registry: where every app keeps data about a person, for export and erasure.

LGPD art. 18 and GDPR art. 15–20 give a customer the right to a copy of their data and to its
erasure. Every app holds some of it (the customer record, conversations, cases, orders,
campaigns, sign-ins, audit entries), and core may not import any of them. So each app declares,
in its own ``<app>/personal_data.py`` (imported from its ``AppConfig.ready()``), every model
that links to a party::

    personal_data_register(
        "service.Case",
        party=("party", "reporter"),            # lookups that reach the party (OR-ed)
        export="cases",                         # the file of the download; None: not exported
        fields=("protocol", "subject", ...),    # exported fields
        internal=("id", "version", ...),        # fields that are not exported
        erase=ANONYMISE,                        # DELETE, ANONYMISE or KEEP
        anonymise=("subject", "description"),   # cleared on erasure (or {"field": value})
        why="counts and SLA times stay for reports",
    )

Every concrete field of a registered model is in ``fields`` or ``internal``, and
``fregues/core/tests/test_personal_data.py`` fails — saying what to add — when a model links
to a party and is not registered, or a registered model gains a field nobody classified.

Data that is not a row about the party (audit payloads, outbox payloads, import files) is
scrubbed by *scrubbers* (``personal_data_scrubber``): functions that get the ``Erasure`` with
the identifying values collected before anything was cleared and remove them.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from .text import digits, fold

DELETE = "delete"
ANONYMISE = "anonymise"
KEEP = "keep"
ERASED = "[erased]"


@dataclass(frozen=True)
class PersonalData:
    """One app's declaration of one model (or one part of it, see ``where``)."""

    model: str
    party: tuple[str, ...]
    export: str | None
    fields: tuple[str, ...]
    internal: tuple[str, ...]
    erase: str
    anonymise: dict[str, Any]
    files: tuple[str, ...]
    identifiers: tuple[str, ...]
    where: Q
    why: str

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def rows(self, party_id: int) -> models.QuerySet:
        """The rows of this declaration about the party."""
        condition = Q()
        for path in self.party:
            condition |= Q(**{path: party_id})
        return self.model_class._default_manager.filter(condition).filter(self.where).distinct()


@dataclass
class Erasure:
    """What an erasure found and did: the identifying values (to scrub from free text and
    payloads elsewhere) and the number of rows deleted or anonymised per model."""

    party_id: int
    terms: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    personal_fields: set[str] = field(default_factory=set)

    def add_term(self, value: Any) -> None:
        text = str(value or "").strip()
        if len(text) < 4:
            return
        self.terms.add(text)
        folded = fold(text)
        if len(folded) >= 4:
            self.terms.add(folded)
        number = digits(text)
        if len(number) >= 6 and len(number) >= len(text) // 2:
            self.terms.add(number)

    def pattern(self) -> re.Pattern[str] | None:
        if not self.terms:
            return None
        ordered = sorted(self.terms, key=len, reverse=True)
        return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)

    def scrub(self, value: Any, key: str = "") -> Any:
        """``value`` (text, or JSON-like data) with every identifying value replaced; the
        values of personal fields (by key) replaced whole."""
        if isinstance(value, dict):
            return {k: self.scrub(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v, key) for v in value]
        if isinstance(value, str):
            if key in self.personal_fields and value:
                return ERASED
            pattern = self.pattern()
            return pattern.sub(ERASED, value) if pattern else value
        return value

    def text_contains_any(self, expression: str) -> Q:
        """A condition: the text of ``expression`` (a field, JSON cast to text) holds a term,
        as written or JSON-escaped."""
        condition = Q()
        for term in self.terms:
            condition |= Q(**{f"{expression}__icontains": term})
            escaped = json.dumps(term)[1:-1]
            if escaped != term:
                condition |= Q(**{f"{expression}__icontains": escaped})
        return condition


Scrubber = Callable[[Erasure], None]

_SOURCES: dict[str, PersonalData] = {}
_SCRUBBERS: dict[str, Scrubber] = {}


def personal_data_register(
    model: str,
    *,
    party: tuple[str, ...],
    fields: tuple[str, ...],
    internal: tuple[str, ...],
    erase: str,
    export: str | None = None,
    anonymise: tuple[str, ...] | dict[str, Any] = (),
    files: tuple[str, ...] = (),
    identifiers: tuple[str, ...] = (),
    where: Q | None = None,
    name: str | None = None,
    why: str = "",
) -> None:
    """Declare (or replace) where ``model`` ("app_label.ModelName") holds data about a party.

    ``identifiers``: fields whose values identify the person (names, addresses, tax id); they
    are collected before erasure and scrubbed from audit entries, outbox events and files.
    ``name``: a key when one model is declared twice (with ``where``), e.g. contact points and
    postal addresses exported to separate files."""
    if erase not in (DELETE, ANONYMISE, KEEP):
        raise ValueError(f"erase must be DELETE, ANONYMISE or KEEP, not {erase!r}")
    if isinstance(anonymise, dict):
        replacements = dict(anonymise)
    else:
        replacements = {f: _CLEAR for f in anonymise}
    _SOURCES[name or model] = PersonalData(
        model=model,
        party=tuple(party),
        export=export,
        fields=tuple(fields),
        internal=tuple(internal),
        erase=erase,
        anonymise=replacements,
        files=tuple(files),
        identifiers=tuple(identifiers),
        where=where or Q(),
        why=why,
    )


def personal_data_scrubber(name: str, scrubber: Scrubber) -> None:
    """Register (or replace) a scrubber run after the rows are erased."""
    _SCRUBBERS[name] = scrubber


def personal_data_sources() -> list[PersonalData]:
    """Every declaration, in registration order (apps from the bottom of the import chain up)."""
    return list(_SOURCES.values())


class _Clear:
    """Marker: clear the field (NULL where allowed, else empty, else its default)."""


_CLEAR = _Clear()


def _cleared(model: type[models.Model], name: str) -> Any:
    f = model._meta.get_field(name)
    assert isinstance(f, models.Field)
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return f.get_default() if f.has_default() else {}
    if isinstance(f, models.CharField | models.TextField | models.FileField):
        return ""
    return f.get_default()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def personal_data_export(party_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every exported row about the party, by export kind, JSON-ready."""
    out: dict[str, list[dict[str, Any]]] = {}
    for source in personal_data_sources():
        if not source.export:
            continue
        rows = source.rows(party_id).order_by("pk").values(*source.fields)
        bucket = out.setdefault(source.export, [])
        bucket.extend({k: _plain(v) for k, v in row.items()} for row in rows)
    return out


def personal_data_erase(party_id: int) -> Erasure:
    """Erase the party from every declared model, then run the scrubbers. Call inside the
    erasing service's transaction. Idempotent: a second run finds nothing left to clear."""
    erasure = Erasure(party_id=party_id)
    sources = personal_data_sources()
    for source in sources:
        erasure.personal_fields.update(source.identifiers)
        erasure.personal_fields.update(source.anonymise)
        for name in source.identifiers:
            for value in source.rows(party_id).values_list(name, flat=True):
                erasure.add_term(value)
    for source in reversed(sources):  # children (upper apps) before the party itself
        model = source.model_class
        rows = source.rows(party_id)
        for file_field in source.files:
            for instance in rows.exclude(**{file_field: ""}).only("pk", file_field):
                stored = getattr(instance, file_field)
                if stored:
                    stored.storage.delete(stored.name)
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        targets = model._default_manager.filter(pk__in=ids)
        if source.erase == DELETE:
            targets.delete()
        elif source.erase == ANONYMISE:
            values = {
                name: _cleared(model, name) if value is _CLEAR else value
                for name, value in source.anonymise.items()
            }
            targets.update(**values)
        else:
            continue
        erasure.counts[source.model] = erasure.counts.get(source.model, 0) + len(ids)
    for scrubber in _SCRUBBERS.values():
        scrubber(erasure)
    return erasure


def _scrub_audit(erasure: Erasure) -> None:
    """Audit entries keep who did what and when; the person's values leave their payloads."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from .models import AuditEntry

    condition = Q(party_id=erasure.party_id)
    if erasure.terms:
        condition |= erasure.text_contains_any("summary")
        condition |= erasure.text_contains_any("changes_text")
    entries = AuditEntry.objects.annotate(changes_text=Cast("changes", TextField())).filter(
        condition
    )
    for entry in entries.only("pk", "summary", "changes"):
        summary, changes = erasure.scrub(entry.summary), erasure.scrub(entry.changes)
        if summary != entry.summary or changes != entry.changes:
            AuditEntry.objects.filter(pk=entry.pk).update(summary=summary, changes=changes)


def _scrub_outbox(erasure: Erasure) -> None:
    """Events already written (delivered or not) carry no more of the person's values."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from .models import OutboxEvent

    if not erasure.terms:
        return
    events = OutboxEvent.objects.annotate(payload_text=Cast("payload", TextField())).filter(
        erasure.text_contains_any("payload_text")
    )
    for event in events.only("pk", "payload"):
        payload = erasure.scrub(event.payload)
        if payload != event.payload:
            OutboxEvent.objects.filter(pk=event.pk).update(payload=payload)


def register_core() -> None:
    """Core's own declarations: the audit trail (exported as the record of changes) and the
    outbox (scrubbed). Called from ``CoreConfig.ready()``."""
    personal_data_register(
        "core.AuditEntry",
        party=("party_id",),
        export="audit",
        fields=(
            "occurred_at",
            "actor_name",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "changes",
        ),
        internal=("id", "actor", "party_id"),
        erase=KEEP,
        why="who changed what and when stays; the scrubber removes the person's values",
    )
    personal_data_scrubber("core.audit", _scrub_audit)
    personal_data_scrubber("core.outbox", _scrub_outbox)

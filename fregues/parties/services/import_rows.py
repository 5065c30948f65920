"""Reading one row of a customer file: the API's rules, Portuguese words, what the row gave.

Part of the bulk import (``imports.py``): pure checks, no writes, so it can run in a worker
process.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector
from fregues.core.text import fold

from ..models import (
    LifecycleStage,
    PartyKind,
)
from .contact_points import ADDRESS_FIELDS, clean_contact_point
from .parties import _clean_profile, _clean_tags

PROFILE_FIELDS = (
    "kind",
    "name",
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "country",
    "language",
    "birth_date",
    "preferred_channel",
    "tier",
)
_KIND_WORDS = {
    "person": PartyKind.PERSON,
    "pessoa": PartyKind.PERSON,
    "pessoa fisica": PartyKind.PERSON,
    "fisica": PartyKind.PERSON,
    "pf": PartyKind.PERSON,
    "individual": PartyKind.PERSON,
    "organization": PartyKind.ORGANIZATION,
    "organisation": PartyKind.ORGANIZATION,
    "organizacao": PartyKind.ORGANIZATION,
    "empresa": PartyKind.ORGANIZATION,
    "pessoa juridica": PartyKind.ORGANIZATION,
    "juridica": PartyKind.ORGANIZATION,
    "pj": PartyKind.ORGANIZATION,
    "company": PartyKind.ORGANIZATION,
}
_STAGE_WORDS = {
    "suspeito": "suspect",
    "lead": "suspect",
    "prospecto": "prospect",
    "prospeto": "prospect",
    "comprador": "buyer",
    "cliente": "client",
    "customer": "client",
    "promotor": "advocate",
    "defensor": "advocate",
    "inativo": "inactive",
    "perdido": "lost",
}
_STAGES = frozenset(LifecycleStage.values)
_COUNTRY_WORDS = {"brasil": "BR", "brazil": "BR", "portugal": "PT"}
_TAG_SPLIT = re.compile(r"[;|,]")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass
class ImportRow:
    """One row of a file: its line number and the raw text of each mapped field.

    A field mapped from several columns (two phones, two e-mails) has several values.
    """

    line: int
    values: dict[str, list[str]]
    cells: list[str] = field(default_factory=list)  # the row as it was in the file

    def first(self, name: str) -> str:
        for value in self.values.get(name, ()):
            if value.strip():
                return value.strip()
        return ""

    def firsts(self) -> dict[str, str]:
        """The first non-blank value of every field given (one pass, for the hot path)."""
        out: dict[str, str] = {}
        for name, values in self.values.items():
            for value in values:
                value = value.strip()
                if value:
                    out[name] = value
                    break
        return out


@dataclass
class ImportReport:
    """What a batch did: counters, and each rejected line with its reason."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0  # rows about a customer an earlier row of the file already gave
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        self.duplicates += other.duplicates
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)


@dataclass
class _Candidate:
    line: int
    fields: dict[str, Any]
    points: list[dict[str, Any]]
    code: str
    tags: list[str]
    stage: str
    ref_id: int | None
    given: set[str] = field(default_factory=set)  # the fields the row itself gave
    party_id: int | None = None  # existing party matched, or new id reserved
    target: _Candidate | None = None  # an earlier row of the batch it folds into

    def keys(self, source: str) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = []
        if self.ref_id:
            keys.append(("id", str(self.ref_id)))
        if self.code:
            keys.append(("ext", source, self.code))
        if self.fields.get("tax_id"):
            keys.append(("tax", self.fields["tax_id"]))
        for point in self.points:
            if point["kind"] in ("email", "phone"):
                keys.append((point["kind"], point["normalized"]))
        return keys


class _Context:
    """Per-run lookups that would otherwise cost a query per row (owners, tags)."""

    def __init__(self) -> None:
        self.owners: dict[str, int | None] = {}

    def owner_id(self, value: str) -> int | None:
        key = value.strip().lower()
        if key not in self.owners:
            user_model = get_user_model()
            user = (
                user_model.objects.filter(is_active=True)
                .filter(Q(username__iexact=key) | Q(email__iexact=key))
                .only("pk")
                .first()
            )
            if user is None and key.isdigit():
                user = user_model.objects.filter(pk=int(key), is_active=True).only("pk").first()
            self.owners[key] = user.pk if user else None
        return self.owners[key]


def _reason(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def _clean_row(row: ImportRow, ctx: _Context) -> _Candidate | str:
    """Validate one row with the API's rules; a candidate, or the reason it is rejected."""
    errors = ErrorCollector()
    data: dict[str, Any] = {}
    given_values = row.firsts()
    for name in PROFILE_FIELDS:
        value = given_values.get(name)
        if value:
            data[name] = value
    tax_id = data.get("tax_id", "")
    given = set(data)
    if "tax_id" in given:
        given.add("tax_id_kind")
    if {"given_name", "family_name"} & given:
        given.add("name")
    kind_text = fold(data.get("kind", ""))
    if kind_text:
        data["kind"] = _KIND_WORDS.get(kind_text, kind_text)
    elif tax_id and len(re.sub(r"\D", "", tax_id)) == 14:
        data["kind"] = PartyKind.ORGANIZATION  # a CNPJ
    else:
        data["kind"] = PartyKind.PERSON
    if "country" in data:
        data["country"] = _COUNTRY_WORDS.get(fold(data["country"]), data["country"])
    if "birth_date" in data:
        match = _DMY.fullmatch(data["birth_date"])
        if match:  # 31/12/1980, the way Brazil and Portugal write it
            day, month, year = (int(g) for g in match.groups())
            try:
                data["birth_date"] = datetime.date(year, month, day).isoformat()
            except ValueError:
                errors.add("birth_date", _("'%(v)s' is not a date.") % {"v": data["birth_date"]})
                del data["birth_date"]
    fields = _clean_profile(data, errors)
    if "name" not in given and "name" in errors.errors:
        # a row without a name can still update the customer it matches; only creating needs it
        del errors.errors["name"]
        fields["name"] = ""
    owner = given_values.get("owner", "")
    if owner:
        owner_id = ctx.owner_id(owner)
        if owner_id is None:
            errors.add("owner", _("No active user '%(v)s'.") % {"v": owner})
        fields["owner_id"] = owner_id
        given.add("owner_id")
    stage = fold(given_values.get("lifecycle_stage", ""))
    stage = _STAGE_WORDS.get(stage, stage)
    if stage and stage not in _STAGES:
        errors.add("lifecycle_stage", _("Unknown lifecycle stage '%(v)s'.") % {"v": stage})
    region = fields.get("country") or None
    points: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for kind in ("email", "phone"):
        for value in row.values.get(kind, ()):
            if not value.strip():
                continue
            found = ErrorCollector()
            point = clean_contact_point({"kind": kind, "value": value}, found, region=region)
            for message in (m for messages in found.errors.values() for m in messages):
                errors.add(kind, message)
            if point and (kind, point["normalized"]) not in seen:
                seen.add((kind, point["normalized"]))
                points.append(point)
    address = {name: given_values.get(name, "") for name in ADDRESS_FIELDS if name != "country"}
    if any(address.values()):
        address["country"] = fields.get("country", "")
        point = clean_contact_point({"kind": "address", **address}, errors)
        if point:
            points.append(point)
    tags = _clean_tags(
        [t for value in row.values.get("tags", ()) for t in _TAG_SPLIT.split(value) if t.strip()],
        errors,
    )
    ref = given_values.get("id", "")
    ref_id = None
    if ref:
        if not ref.isdigit():
            errors.add("id", _("A Freguês id is a number."))
        else:
            ref_id = int(ref)
    if errors.errors:
        return _reason(errors.errors)
    # the primary contact point of each kind is the first one given
    primaries: set[str] = set()
    for point in points:
        point["is_primary"] = point["kind"] not in primaries
        primaries.add(point["kind"])
    return _Candidate(
        line=row.line,
        fields=fields,
        points=points,
        code=given_values.get("external_id", "")[:120],
        tags=tags,
        stage=stage,
        ref_id=ref_id,
        given=given,
    )

"""Reads on parties: get, list and search, lookup by contact point, history."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import FilteredRelation, Prefetch, Q, QuerySet

from fregues.core.bulk import one_of
from fregues.core.errors import Invalid, NotFound
from fregues.core.models import AuditEntry
from fregues.core.permissions import PORTFOLIO, record_scope, require

from .models import (
    Affiliation,
    ConsentPurpose,
    ConsentRecord,
    ContactPoint,
    DuplicateCandidate,
    LifecycleMove,
    Party,
    Suppression,
)
from .normalize import (
    normalize_email,
    normalize_handle,
    normalize_network,
    normalize_phone,
)
from .search import Search
from .search import search_terms as _search_terms


def contact_point_find(*, kind: str, network: str, normalized: str) -> ContactPoint | None:
    """The contact point holding a normalised value, with its (surviving) party.

    Served by the unique index ``contact_point_identifies_one_party``, which is partial
    (addresses left out): SQLite uses a partial index only when the query repeats its
    condition word for word, so the query says "not an address" too."""
    points = ContactPoint.objects.select_related("party")
    if kind != "address":
        points = points.exclude(kind="address")
    return points.filter(kind=kind, network=network, normalized=normalized).first()


def portfolio_filter(actor: Any) -> Q | None:
    """The parties a relationship manager sees under the scoped record rule (decision 0011):
    those they or a member of one of their teams own, and those nobody owns yet. None: all."""
    if record_scope(actor) != PORTFOLIO:
        return None
    from fregues.accounts.models import User

    owners = User.objects.filter(Q(pk=actor.pk) | Q(teams__members=actor)).values("pk")
    return Q(owner_id__in=owners) | Q(owner__isnull=True)


def party_require_in_view(*, actor: Any, party_id: int) -> None:
    """Raise NotFound when the party is outside the actor's portfolio (for reads that do not
    go through ``party_get``, such as the API's raw-SQL record)."""
    scope = portfolio_filter(actor)
    if scope is not None and not Party.objects.filter(scope, pk=party_id).exists():
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})


def party_get(*, actor: Any, party_id: int, follow_merge: bool = False) -> Party:
    """One party with what its page needs. A merged id raises NotFound(code="merged") unless
    ``follow_merge``, in which case the survivor is returned. A party outside the actor's
    portfolio (scoped record rule) does not exist for them."""
    require(actor, "party.view")
    scope = portfolio_filter(actor)
    party = (
        Party.objects.filter(scope if scope is not None else Q())
        .select_related("owner", "merged_into")
        .prefetch_related(
            "tags",
            "external_ids",
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.order_by("kind", "-is_primary", "id"),
            ),
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.select_related("organization"),
            ),
            Prefetch("members", queryset=Affiliation.objects.select_related("person")),
        )
        .filter(pk=party_id)
        .first()
    )
    if party is None:
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
    if party.merged_into_id:
        survivor_id = party_survivor_id(party.pk)
        if follow_merge:
            return party_get(actor=actor, party_id=survivor_id)
        raise NotFound(
            f"Party {party_id} was merged into party {survivor_id}.",
            code="merged",
            details={"id": party_id, "merged_into": survivor_id},
        )
    return party


def party_survivor_id(party_id: int) -> int:
    """Follow merge pointers to the party that holds the record now."""
    seen = set()
    current = party_id
    while current not in seen:
        seen.add(current)
        nxt = Party.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if not nxt:
            return current
        current = nxt
    return current


def search_terms(q: str) -> list[str]:
    """Folded terms every match must contain; a phone or tax id in any form → its digits."""
    return _search_terms(q)


def search_filter(q: str) -> Q | None:
    """What a party must satisfy to match ``q`` (None: no search), from the search seam.

    A phone number written in any form also matches its E.164 digits: "0055 11 98765-4321",
    "011 98765-4321" and the old "(11) 8765-4321" all find +55 11 98765-4321.
    """
    search = Search.parse(q)
    return search.condition() if search else None


def party_queryset() -> QuerySet[Party]:
    return Party.objects.filter(merged_into__isnull=True)


def party_list(
    *,
    actor: Any,
    q: str = "",
    kind: str | None = None,
    lifecycle_stage: str | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
) -> QuerySet[Party]:
    """Parties matching a search and filters, by name. The caller slices or paginates.

    A search considers at most ``search.CANDIDATE_LIMIT`` matches (all of a narrow search, a
    sample of a broad one): see ``fregues/parties/search.py``."""
    require(actor, "party.view")
    qs = party_queryset()
    scope = portfolio_filter(actor)
    if scope is not None:
        qs = qs.filter(scope)
    condition = search_filter(q)
    if condition is not None:
        qs = qs.filter(condition)
    if kind:
        qs = qs.filter(kind=kind)
    if lifecycle_stage:
        qs = qs.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if tag:
        qs = qs.filter(tags__name__iexact=tag)
    return qs.order_by("name", "id")


def party_search(*, actor: Any, q: str, limit: int = 20) -> list[Party]:
    """Search-as-you-type: the best matches first (name starting with the query), then by name.

    The search seam ranks the matches its index finds (a bounded set: see ``search``)."""
    require(actor, "party.view")
    search = Search.parse(q)
    if search is None:
        return []
    return list(search.ranked(_with_primary_points(party_queryset()), limit))


def _with_primary_points(qs: QuerySet[Party]) -> QuerySet[Party]:
    return qs.select_related("owner").prefetch_related(
        Prefetch(
            "contact_points",
            queryset=ContactPoint.objects.filter(is_primary=True).exclude(kind="address"),
            to_attr="primary_points",
        )
    )


def party_lookup(
    *, actor: Any, phone: str = "", email: str = "", handle: str = "", network: str = ""
) -> Party:
    """Exact lookup for screen-pop: the party holding this phone, e-mail or handle, or 404."""
    party_id = party_lookup_id(
        actor=actor, phone=phone, email=email, handle=handle, network=network
    )
    return party_get(actor=actor, party_id=party_id)


def party_lookup_id(
    *, actor: Any, phone: str = "", email: str = "", handle: str = "", network: str = ""
) -> int:
    """The id of the party holding this phone, e-mail or handle, or 404 (see party_lookup)."""
    require(actor, "party.view")
    given = [
        name for name, value in (("phone", phone), ("email", email), ("handle", handle)) if value
    ]
    if len(given) != 1:
        raise Invalid(
            "Give exactly one of phone, email or handle.",
            code="lookup_needs_one",
            errors={"phone": ["Give exactly one of phone, email or handle."]},
        )
    candidates: list[tuple[str, str, str]] = []
    if phone:
        e164 = normalize_phone(phone, field="phone")
        candidates = [("phone", "", e164), ("social", "whatsapp", e164)]
    elif email:
        candidates = [("email", "", normalize_email(email, field="email"))]
    else:
        raw = handle
        if not network and ":" in handle:
            network, raw = handle.split(":", 1)
        if network:
            network = normalize_network(network)
            candidates = [("social", network, normalize_handle(network, raw, field="handle"))]
        else:
            bare = raw.strip().lstrip("@").lower()
            point = (
                ContactPoint.objects.select_related("party")
                .filter(kind="social", normalized=bare)
                .order_by("id")
                .first()
            )
            if point:
                return point.party_id
    for kind, net, normalized in candidates:
        point = contact_point_find(kind=kind, network=net, normalized=normalized)
        if point:
            return point.party_id
    raise NotFound("No party holds this contact point.", code="no_match")


def lifecycle_history(*, actor: Any, party_id: int) -> QuerySet[LifecycleMove]:
    require(actor, "party.view")
    return LifecycleMove.objects.filter(party_id=party_id).select_related("actor")


def audit_history(*, actor: Any, party_id: int, limit: int = 50) -> list[AuditEntry]:
    require(actor, "audit.view")
    return list(
        AuditEntry.objects.filter(party_id=party_id).order_by("-occurred_at", "-id")[:limit]
    )


def duplicate_pairs_list(
    *, actor: Any, status: str = "open", limit: int = 100
) -> list[DuplicateCandidate]:
    """Stored duplicate pairs between live parties, most likely first."""
    require(actor, "party.view")
    return list(
        DuplicateCandidate.objects.filter(status=status)
        .filter(party_a__merged_into__isnull=True, party_b__merged_into__isnull=True)
        .order_by("-score", "id")[:limit]
    )


@dataclass(frozen=True)
class ConsentState:
    """Where a party stands on one purpose (and channel) of contact or data use."""

    purpose: str  # code, e.g. "marketing_email"
    purpose_name: str
    channel: str  # "" for every channel of the purpose
    granted: bool
    since: datetime.datetime | None  # None: no record, the lawful basis decides
    source: str  # form, portal, import, agent, api, email ("" without a record)
    lawful_basis: str
    text_version: str = ""
    opt_in: bool = True  # the purpose needs a grant first (lawful basis: consent)

    @property
    def recorded(self) -> bool:
        return self.since is not None


def consent_state(*, party_id: int, language: str | None = None) -> list[ConsentState]:
    """The party's current consents, derived from the consent ledger: one entry per active
    purpose (the latest record for all of its channels, or its lawful basis when there is
    none), plus one per channel whose own latest record is newer. Every sender and the visit
    briefing read it here. One query."""
    rows = (
        ConsentPurpose.objects.filter(is_active=True)
        .annotate(mine=FilteredRelation("records", condition=Q(records__party_id=party_id)))
        .values(
            "pk",
            "code",
            "name",
            "name_en",
            "lawful_basis",
            "channels",
            "mine__id",
            "mine__channel",
            "mine__granted",
            "mine__occurred_at",
            "mine__source",
            "mine__text_version",
        )
        .order_by("position", "pk", "-mine__occurred_at", "-mine__id")
    )
    purposes: dict[int, ConsentPurpose] = {}
    latest: dict[tuple[int, str], ConsentRecord] = {}
    for row in rows:  # one query: the purposes, each with this party's records (newest first)
        if row["pk"] not in purposes:
            purposes[row["pk"]] = ConsentPurpose(
                pk=row["pk"],
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                lawful_basis=row["lawful_basis"],
                channels=row["channels"],
            )
        if row["mine__id"] is not None:
            latest.setdefault(
                (row["pk"], row["mine__channel"]),
                ConsentRecord(
                    pk=row["mine__id"],
                    purpose_id=row["pk"],
                    channel=row["mine__channel"],
                    granted=row["mine__granted"],
                    occurred_at=row["mine__occurred_at"],
                    source=row["mine__source"],
                    text_version=row["mine__text_version"],
                ),
            )
    states: list[ConsentState] = []
    for purpose in purposes.values():
        name = purpose.label(language)
        overall = latest.get((purpose.pk, ""))
        states.append(
            ConsentState(
                purpose=purpose.code,
                purpose_name=name,
                channel="",
                granted=overall.granted if overall else not purpose.opt_in,
                since=overall.occurred_at if overall else None,
                source=overall.source if overall else "",
                lawful_basis=purpose.lawful_basis,
                text_version=overall.text_version if overall else "",
                opt_in=purpose.opt_in,
            )
        )
        for channel in purpose.channels or []:
            own = latest.get((purpose.pk, channel))
            if own is None or (overall is not None and own.occurred_at < overall.occurred_at):
                continue
            states.append(
                ConsentState(
                    purpose=purpose.code,
                    purpose_name=name,
                    channel=channel,
                    granted=own.granted,
                    since=own.occurred_at,
                    source=own.source,
                    lawful_basis=purpose.lawful_basis,
                    text_version=own.text_version,
                    opt_in=purpose.opt_in,
                )
            )
    return states


def consent_history(*, actor: Any, party_id: int, limit: int = 100) -> list[ConsentRecord]:
    """The party's consent ledger, newest first."""
    require(actor, "consent.view")
    return list(
        ConsentRecord.objects.filter(party_id=party_id)
        .select_related("purpose", "actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def consent_purposes() -> list[ConsentPurpose]:
    return list(ConsentPurpose.objects.filter(is_active=True))


def consent_latest_many(
    *, party_ids: list[int], purpose_id: int, channel: str = ""
) -> dict[int, bool]:
    """For many parties at once: the latest consent record of a purpose that covers
    ``channel`` (a record for that channel or for the whole purpose), granted or not. A party
    with no record is absent (its lawful basis decides). One query per 5,000 parties."""
    channels = ["", channel] if channel else [""]
    latest: dict[int, bool] = {}
    for start in range(0, len(party_ids), 5000):
        chunk = party_ids[start : start + 5000]
        rows = (
            ConsentRecord.objects.filter(
                party_id__in=one_of(chunk), purpose_id=purpose_id, channel__in=channels
            )
            .order_by("party_id", "-occurred_at", "-id")
            .values_list("party_id", "granted")
        )
        for party_id, granted in rows:
            latest.setdefault(party_id, granted)
    return latest


def suppressions_for(*, kind: str, addresses: list[str]) -> dict[str, list[str]]:
    """The active suppression reasons of each of these (normalised) addresses; an address on
    no list is absent. An erased customer's address is on the list as its digest, and found.
    One query per 5,000 addresses."""
    from .personal_data import suppression_digest

    found: dict[str, list[str]] = {}
    unique = sorted(set(a for a in addresses if a))
    for start in range(0, len(unique), 5000):
        chunk = unique[start : start + 5000]
        # An erased customer's addresses are kept as digests (fregues/parties/personal_data.py)
        by_digest = {suppression_digest(a): a for a in chunk}
        rows = Suppression.objects.filter(
            kind=kind, address__in=one_of([*chunk, *by_digest]), lifted_at__isnull=True
        ).values_list("address", "reason")
        for address, reason in rows:
            found.setdefault(by_digest.get(address, address), []).append(reason)
    return found


def suppression_list(
    *,
    actor: Any,
    q: str = "",
    reason: str = "",
    party_id: int | None = None,
    include_lifted: bool = False,
    kind: str = "",
) -> Any:
    """The suppression list, newest first (a queryset, paginated by the caller)."""
    require(actor, "suppression.view")
    rows = Suppression.objects.select_related("party", "actor").order_by("-created_at", "-id")
    if not include_lifted:
        rows = rows.filter(lifted_at__isnull=True)
    if q:
        rows = rows.filter(address__icontains=q.strip().lower())
    if reason:
        rows = rows.filter(reason=reason)
    if kind:
        rows = rows.filter(kind=kind.strip().lower())
    if party_id is not None:
        rows = rows.filter(party_id=party_id)
    return rows


def consent_ledger(
    *,
    actor: Any,
    party_id: int | None = None,
    purpose: str | None = None,
    channel: str | None = None,
    granted: bool | None = None,
    source: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> Any:
    """The consent ledger across customers, newest first (a queryset, paginated by the
    caller by ``(occurred_at, id)``)."""
    require(actor, "consent.view")
    rows = ConsentRecord.objects.select_related("party", "purpose", "actor").order_by(
        "-occurred_at", "-id"
    )
    if party_id is not None:
        rows = rows.filter(party_id=party_id)
    if purpose:
        rows = rows.filter(purpose__code=purpose.strip())
    if channel is not None and channel != "":
        rows = rows.filter(channel=channel.strip().lower())
    if granted is not None:
        rows = rows.filter(granted=granted)
    if source:
        rows = rows.filter(source=source.strip().lower())
    if since is not None:
        rows = rows.filter(occurred_at__gte=since)
    if until is not None:
        rows = rows.filter(occurred_at__lt=until)
    return rows

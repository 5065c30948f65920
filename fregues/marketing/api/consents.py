"""HTTP API of marketing: the consent ledger across customers, the purposes, the suppression
list, the sending policy, and per customer their reach and next-best offers (see
api/__init__.py for the mount points).

- ``GET/POST /consents``: the ledger (filters, keyset pages) and recording a grant/withdrawal
  (the same service as ``POST /parties/{id}/consents``; a retry with the same ``source`` +
  ``external_id`` lands once and answers 200 with the first record).
- ``GET/POST /purposes``, ``PUT /purposes/{code}``: what a customer may allow.
- ``GET/POST /suppressions``, ``POST /suppressions/{id}/lift``.
- ``GET/PUT /sending-policy``: the open-complaint rule and the frequency cap (``version``).
- ``GET /parties/{id}/reach``, ``GET /parties/{id}/offers``.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.core.schemas import ERROR_RESPONSES
from fregues.parties import selectors as party_selectors
from fregues.parties.models import ConsentPurpose, ConsentRecord, Suppression
from fregues.parties.services import consent_record, suppression_add, suppression_lift
from fregues.parties.services.consent_purposes import (
    consent_purpose_create,
    consent_purpose_update,
)
from fregues.service.models import SendingPolicy
from fregues.service.services.sending_policy import sending_policy_update

from ..schemas.consents import (
    CampaignReachOut,
    ConsentIn,
    LedgerFilters,
    LedgerPage,
    LedgerRecordOut,
    LiftIn,
    OfferOut,
    PurposeIn,
    PurposeOut,
    PurposePatch,
    ReachLineOut,
    ReachOut,
    SendingPolicyIn,
    SendingPolicyOut,
    SuppressionFilters,
    SuppressionIn,
    SuppressionOut,
    SuppressionPage,
)
from ..selectors.offers import next_best_offers
from ..selectors.reach import party_lookup, party_reach

router = Router(tags=["Marketing"])


# ---------------------------------------------------------------- keyset pages, newest first


def _cursor(moment: datetime.datetime, pk: int) -> str:
    raw = json.dumps([moment.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def newest_page(
    qs: QuerySet[Any], field: str, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of ``qs`` ordered by (``field``, id) descending after ``cursor``."""
    if cursor:
        try:
            text, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError(text)
            qs = qs.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": int(pk)}))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by(f"-{field}", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_cursor(getattr(rows[-1], field), rows[-1].pk) if more else None)


# ---------------------------------------------------------------- the ledger


@router.get("/consents", response={200: LedgerPage, **ERROR_RESPONSES}, summary="Consent ledger")
def list_consents(
    request: HttpRequest,
    filters: Query[LedgerFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> LedgerPage:
    """Every grant and withdrawal across customers, newest first. Filters: ``party_id``,
    ``purpose`` (code), ``channel``, ``granted``, ``source``, ``since``/``until`` (when it
    happened). Pages by ``cursor``."""
    qs = party_selectors.consent_ledger(actor=actor_of(request), **filters.dict())
    rows, next_cursor = newest_page(qs, "occurred_at", cursor, limit)
    return LedgerPage(items=[LedgerRecordOut.build(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/consents",
    response={200: LedgerRecordOut, 201: LedgerRecordOut, **ERROR_RESPONSES},
    summary="Record a grant or a withdrawal",
)
def create_consent(request: HttpRequest, payload: ConsentIn) -> Status[LedgerRecordOut]:
    """Add a grant (``granted: true``) or a withdrawal to a customer's ledger; nothing is
    overwritten. Idempotent by ``source`` + ``external_id``: a repeat answers 200 with the
    record first written."""
    data = payload.dict()
    actor = actor_of(request)
    external_id = (data.get("external_id") or "").strip()
    existed = bool(external_id) and (
        ConsentRecord.objects.filter(source=data["source"], external_id=external_id).exists()
    )
    record = consent_record(actor=actor, **data)
    full = ConsentRecord.objects.select_related("party", "purpose", "actor").get(pk=record.pk)
    return Status(200 if existed else 201, LedgerRecordOut.build(full))


# ---------------------------------------------------------------- purposes


def _purpose_out(p: ConsentPurpose) -> PurposeOut:
    return PurposeOut(
        code=p.code,
        name=p.name,
        name_en=p.name_en,
        description=p.description,
        lawful_basis=p.lawful_basis,
        channels=list(p.channels or []),
        opt_in=p.opt_in,
        is_active=p.is_active,
    )


@router.get("/purposes", response={200: list[PurposeOut], **ERROR_RESPONSES}, summary="Purposes")
def list_purposes(request: HttpRequest, include_inactive: bool = False) -> list[PurposeOut]:
    """What a customer may allow or refuse: code, names, lawful basis, channels, and whether
    a grant is needed first (``opt_in``: lawful basis *consent*)."""
    require(actor_of(request), "consent.view")
    rows = ConsentPurpose.objects.order_by("position", "id")
    if not include_inactive:
        rows = rows.filter(is_active=True)
    return [_purpose_out(p) for p in rows]


@router.post("/purposes", response={201: PurposeOut, **ERROR_RESPONSES}, summary="Add a purpose")
def create_purpose(request: HttpRequest, payload: PurposeIn) -> Status[PurposeOut]:
    """``marketing.configure``. A code already used is a 409."""
    data = payload.dict(exclude={"code"})
    purpose = consent_purpose_create(actor=actor_of(request), code=payload.code, data=data)
    return Status(201, _purpose_out(purpose))


@router.put(
    "/purposes/{code}", response={200: PurposeOut, **ERROR_RESPONSES}, summary="Change a purpose"
)
def update_purpose(request: HttpRequest, code: str, payload: PurposePatch) -> PurposeOut:
    """``marketing.configure``. Fields sent change; ``is_active: false`` retires it (its
    records stay)."""
    data = payload.dict(exclude_unset=True)
    return _purpose_out(consent_purpose_update(actor=actor_of(request), code=code, data=data))


# ---------------------------------------------------------------- suppression list


@router.get(
    "/suppressions", response={200: SuppressionPage, **ERROR_RESPONSES}, summary="Suppressions"
)
def list_suppressions(
    request: HttpRequest,
    filters: Query[SuppressionFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> SuppressionPage:
    """Addresses no sender may use, newest first; lifted ones with ``include_lifted``."""
    qs = party_selectors.suppression_list(actor=actor_of(request), **filters.dict())
    rows, next_cursor = newest_page(qs, "created_at", cursor, limit)
    return SuppressionPage(items=[SuppressionOut.build(r) for r in rows], next_cursor=next_cursor)


def _suppression(pk: int) -> SuppressionOut:
    return SuppressionOut.build(Suppression.objects.select_related("party", "actor").get(pk=pk))


@router.post(
    "/suppressions",
    response={201: SuppressionOut, **ERROR_RESPONSES},
    summary="Suppress an address",
)
def create_suppression(request: HttpRequest, payload: SuppressionIn) -> Status[SuppressionOut]:
    """Put an e-mail or phone on the list (``suppression.change``). The same address for the
    same reason twice is one entry."""
    entry = suppression_add(actor=actor_of(request), source="api", **payload.dict())
    return Status(201, _suppression(entry.pk))


@router.post(
    "/suppressions/{int:suppression_id}/lift",
    response={200: SuppressionOut, **ERROR_RESPONSES},
    summary="Lift a suppression",
)
def lift_suppression(
    request: HttpRequest, suppression_id: int, payload: LiftIn | None = None
) -> SuppressionOut:
    """Take the address off the list (the entry stays, marked lifted)."""
    note = payload.note if payload else ""
    entry = suppression_lift(actor=actor_of(request), suppression_id=suppression_id, note=note)
    return _suppression(entry.pk)


# ---------------------------------------------------------------- sending policy


@router.get(
    "/sending-policy", response={200: SendingPolicyOut, **ERROR_RESPONSES}, summary="Sending rules"
)
def get_sending_policy(request: HttpRequest) -> SendingPolicyOut:
    """The open-complaint rule and the frequency cap every marketing sender obeys."""
    require(actor_of(request), "campaign.view")
    return SendingPolicyOut.build(SendingPolicy.current())


@router.put(
    "/sending-policy",
    response={200: SendingPolicyOut, **ERROR_RESPONSES},
    summary="Change the sending rules",
)
def put_sending_policy(request: HttpRequest, payload: SendingPolicyIn) -> SendingPolicyOut:
    """``marketing.configure``. Send the ``version`` you read (or If-Match): a stale one is a
    409. Fields left out stay as they are."""
    data = payload.dict(exclude={"version"})
    policy = sending_policy_update(
        actor=actor_of(request), version=version_from(request, payload.version), **data
    )
    return SendingPolicyOut.build(policy)


# ---------------------------------------------------------------- per customer


@router.get(
    "/parties/{int:party_id}/reach",
    response={200: ReachOut, **ERROR_RESPONSES},
    summary="Why a customer gets (no) marketing",
)
def get_reach(request: HttpRequest, party_id: int) -> ReachOut:
    """For each marketing purpose and channel: would a campaign reach the customer now, and
    if not why (``reason`` code, ``reason_text``, ``detail`` such as the open case's
    protocol); and their last campaigns (for callers who see campaigns)."""
    reach = party_reach(actor=actor_of(request), party_id=party_id)
    return ReachOut(
        party_id=reach.party_id,
        reached_anywhere=reach.reached_anywhere,
        channels=[ReachLineOut(**vars(line)) for line in reach.lines],
        campaigns=(
            None
            if reach.campaigns is None
            else [CampaignReachOut(**vars(c)) for c in reach.campaigns]
        ),
    )


@router.get(
    "/parties/{int:party_id}/offers",
    response={200: list[OfferOut], **ERROR_RESPONSES},
    summary="Next-best offers",
)
def get_offers(
    request: HttpRequest, party_id: int, limit: int = Query(3, ge=1, le=20)
) -> list[OfferOut]:
    """The products to offer the customer next, best first: bought by customers who bought
    the same products, not owned yet; the segment's best-sellers when there is no history to
    go by (no orders, or profiling withdrawn)."""
    party = party_lookup(actor=actor_of(request), party_id=party_id)
    return [OfferOut(**vars(o)) for o in next_best_offers(party.pk, limit=limit)]

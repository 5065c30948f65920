"""Many lifecycle moves at once leave exactly what the same moves one by one leave: the same
history rows, stages, versions, audit entries and events; and one bad move refuses them all."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.core.errors import Invalid, NotFound
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.parties.models import LifecycleMove, Party
from fregues.parties.services import Move, lifecycle_move, lifecycle_move_many
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db

# (the party's stage to begin with, its moves in order: (to, reason, cause id))
SCRIPT: list[tuple[str, list[tuple[str, str, int | None]]]] = [
    ("suspect", [("buyer", "First paid order: A-1 of 2026-01-02.", 11)]),
    ("suspect", [("buyer", "first", 12), ("client", "Ordered again within 90 days", 13)]),
    ("buyer", [("client", "  spaces around  ", 14)]),
    ("client", [("inactive", "No order for 12 months", 15)]),
    ("prospect", [("lost", "gone", None)]),
    ("inactive", [("buyer", "", 16), ("client", "", 17), ("advocate", "", None)]),
    ("advocate", [("client", "score went down", None)]),
    ("suspect", []),
]


def _parties() -> list[Party]:
    return [PartyFactory(lifecycle_stage=stage) for stage, _moves in SCRIPT]


def _moves(parties: list[Party]) -> list[Move]:
    # interleaved across parties, as plans for a batch of orders come
    out = []
    for step in range(3):
        for party, (_stage, moves) in zip(parties, SCRIPT, strict=True):
            if step < len(moves):
                to, reason, cause = moves[step]
                cause_type = "sales.order" if cause else ""
                out.append(Move(party.pk, to, reason, cause_type, cause))
    return out


def _left(parties: list[Party], mark: tuple[int, int, int]) -> dict[str, Any]:
    """What the moves left, with each party named by its place in SCRIPT."""
    at = {p.pk: n for n, p in enumerate(parties)}
    fresh = {p.pk: p for p in Party.objects.filter(pk__in=at)}
    moves = [
        (at[m.party_id], m.from_stage, m.to_stage, m.reason, m.cause_type, m.cause_id, m.actor_id)
        for m in LifecycleMove.objects.filter(pk__gt=mark[0]).order_by("pk")
    ]
    audit = [
        (
            at[a.entity_id],
            at[a.party_id or 0],
            a.actor_name,
            a.action,
            a.entity_type,
            a.summary,
            a.changes,
        )
        for a in AuditEntry.objects.filter(pk__gt=mark[1]).order_by("pk")
    ]
    events = [
        (e.name, at[e.payload["party_id"]], {k: v for k, v in e.payload.items() if k != "party_id"})
        for e in OutboxEvent.objects.filter(pk__gt=mark[2]).order_by("pk")
    ]
    return {
        "stages": [(fresh[p.pk].lifecycle_stage, fresh[p.pk].version) for p in parties],
        "changed_at_moved": [
            fresh[p.pk].lifecycle_changed_at != p.lifecycle_changed_at for p in parties
        ],
        "moves": sorted(moves),  # one by one writes them party by party per step too
        "audit": sorted(audit, key=repr),
        "events": sorted(events, key=repr),
        "move_order": [
            (at[m.party_id], m.to_stage)
            for m in LifecycleMove.objects.filter(pk__gt=mark[0]).order_by("pk")
        ],
    }


def _mark() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for model in (LifecycleMove, AuditEntry, OutboxEvent)
    )


def test_many_moves_leave_what_the_same_moves_one_by_one_leave(admin: Any) -> None:
    one, many = _parties(), _parties()
    mark = _mark()
    for move in _moves(one):
        lifecycle_move(
            actor=admin,
            party_id=move.party_id,
            to_stage=move.to_stage,
            reason=move.reason,
            cause_type=move.cause_type,
            cause_id=move.cause_id,
        )
    by_one = _left(one, mark)
    mark = _mark()
    made = lifecycle_move_many(actor=admin, moves=_moves(many))
    at_once = _left(many, mark)
    assert at_once == by_one
    assert by_one["stages"][1] == ("client", 3) and by_one["stages"][5] == ("advocate", 4)
    assert len(made) == len(by_one["moves"]) == 10 and all(m.pk for m in made)
    assert by_one["changed_at_moved"] == [True] * 7 + [False]


def test_the_system_moves_in_bulk_as_it_does_one_by_one() -> None:
    one, many = _parties(), _parties()
    mark = _mark()
    for move in _moves(one):
        lifecycle_move(
            actor=None,
            party_id=move.party_id,
            to_stage=move.to_stage,
            reason=move.reason,
            cause_type=move.cause_type,
            cause_id=move.cause_id,
        )
    by_one = _left(one, mark)
    mark = _mark()
    lifecycle_move_many(actor=None, moves=_moves(many))
    assert _left(many, mark) == by_one


def test_one_bad_move_refuses_them_all_with_the_one_by_one_error(admin: Any) -> None:
    parties = _parties()
    mark = _mark()
    moves = [*_moves(parties), Move(parties[7].pk, "advocate")]  # suspect → advocate
    with pytest.raises(Invalid) as many:
        lifecycle_move_many(actor=admin, moves=moves)
    with pytest.raises(Invalid) as one:
        lifecycle_move(actor=admin, party_id=parties[7].pk, to_stage="advocate")
    assert (many.value.code, many.value.message) == (one.value.code, one.value.message)
    assert _mark() == mark
    assert [p.lifecycle_stage for p in Party.objects.filter(pk__in=[p.pk for p in parties])] == [
        p.lifecycle_stage for p in sorted(parties, key=lambda p: p.pk)
    ]
    with pytest.raises(Invalid) as missing:  # inactive needs a reason, as one by one
        lifecycle_move_many(actor=admin, moves=[Move(parties[2].pk, "inactive")])
    assert missing.value.code == "reason_required"
    survivor = PartyFactory()
    Party.objects.filter(pk=parties[0].pk).update(merged_into=survivor)
    mark = _mark()
    with pytest.raises(NotFound) as merged:
        lifecycle_move_many(actor=admin, moves=_moves(parties))
    assert merged.value.code == "merged" and _mark() == mark


def test_many_moves_cost_a_fixed_number_of_statements(admin: Any) -> None:
    few = lifecycle_move_many
    parties = [PartyFactory(lifecycle_stage="suspect") for _ in range(30)]
    with CaptureQueriesContext(connection) as small:
        few(actor=admin, moves=[Move(p.pk, "buyer", "x") for p in parties[:3]])
    with CaptureQueriesContext(connection) as large:
        few(actor=admin, moves=[Move(p.pk, "buyer", "x") for p in parties[3:]])
    assert len(large.captured_queries) == len(small.captured_queries) <= 10

"""Properties that must hold for any data: written forms, merges, lifecycle histories."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fregues.core.errors import Invalid, NotFound
from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.parties.models import ContactPoint, LifecycleMove, Note, Party
from fregues.parties.normalize import normalize_email, normalize_phone
from fregues.parties.selectors import party_get, party_list, party_lookup
from fregues.parties.services import (
    contact_point_add,
    external_id_add,
    lifecycle_move,
    note_add,
    party_create,
    party_merge,
)
from fregues.parties.services.lifecycle import ALLOWED_MOVES

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same database: its writes are undone at the end."""
    from django.db import transaction

    with contextlib.suppress(_Rollback), transaction.atomic():
        yield
        raise _Rollback


AREAS = ["11", "19", "21", "27", "31", "41", "48", "51", "61", "71", "81", "85", "92", "98"]


@st.composite
def br_mobiles(draw: Any) -> str:
    """A valid Brazilian mobile as E.164."""
    while True:
        area = draw(st.sampled_from(AREAS))
        local = (
            "9"
            + draw(st.sampled_from("6789"))
            + draw(st.text("0123456789", min_size=7, max_size=7))
        )
        e164 = f"+55{area}{local}"
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            return e164


@st.composite
def written(draw: Any, e164: str) -> str:
    """``e164`` the way a person or a system might write it."""
    area, local = e164[3:5], e164[5:]
    if local[1] in "689" and draw(st.booleans()):
        local = local[1:]  # the old form, before the ninth digit ((11) 7xxx-xxxx is another)
    sep = draw(st.sampled_from(["", " ", "-", ".", "  "]))
    split = draw(st.sampled_from(["4", "1-4", "none"]))
    if split == "4":
        local = f"{local[:-4]}{sep}{local[-4:]}"
    elif split == "1-4" and len(local) == 9:
        local = f"{local[0]} {local[1:5]}{sep}{local[5:]}"
    area_form = draw(st.sampled_from([area, f"({area})", f"{area} ", f"({area}) "]))
    prefix = draw(st.sampled_from(["", "0", "+55 ", "+55", "55 ", "0055 ", "+55 ("]))
    if prefix == "+55 (":
        return f"+55 ({area}) {local}"
    if prefix == "0":
        return f"0{area_form}{local}"
    return f"{prefix}{area_form}{local}"


@EXAMPLES
@given(data=st.data())
def test_any_written_form_of_a_phone_finds_the_same_party(data: Any) -> None:
    e164 = data.draw(br_mobiles())
    stored_as = data.draw(written(e164))
    asked_as = data.draw(written(e164))
    with rolled_back():
        party = party_create(
            actor=None,
            data={"kind": "person", "name": "Cliente Teste"},
            contact_points=[{"kind": "phone", "value": stored_as}],
        )
        assert party.contact_points.get().normalized == e164
        assert normalize_phone(asked_as) == e164
        assert party_lookup(actor=None, phone=asked_as).pk == party.pk
        assert [p.pk for p in party_list(actor=None, q=asked_as)] == [party.pk]
        recorded = interaction_record(
            actor=None, data={"channel": "sms", "direction": "in"}, address=asked_as
        )
        assert recorded.interaction.party_id == party.pk
        assert not recorded.party_created


@EXAMPLES
@given(email=st.emails())
def test_normalising_an_email_twice_changes_nothing(email: str) -> None:
    try:
        once = normalize_email(email)
    except Invalid:
        return
    assert normalize_email(once) == once
    assert normalize_email(once.upper()) == once


@st.composite
def merge_cases(draw: Any) -> dict[str, Any]:
    n_points = draw(st.integers(0, 6))
    return {
        # for each contact point: its owner (0 survivor, 1 merged), kind
        "points": [
            (draw(st.integers(0, 1)), draw(st.sampled_from(["email", "phone", "address"])))
            for _ in range(n_points)
        ],
        "interactions": [draw(st.integers(0, 1)) for _ in range(draw(st.integers(0, 5)))],
        "notes": [draw(st.integers(0, 1)) for _ in range(draw(st.integers(0, 3)))],
        "external_ids": [draw(st.integers(0, 1)) for _ in range(draw(st.integers(0, 3)))],
        "moves": [
            (draw(st.integers(0, 1)), draw(st.sampled_from(["prospect", "buyer", "client"])))
            for _ in range(draw(st.integers(0, 3)))
        ],
        "kinds_primary": draw(st.booleans()),
    }


@EXAMPLES
@given(case=merge_cases())
def test_a_merge_loses_nothing(case: dict[str, Any]) -> None:
    with rolled_back():
        parties = [
            party_create(actor=None, data={"kind": "person", "name": "Rosa Amaral"}),
            party_create(actor=None, data={"kind": "person", "name": "Rosa M. Amaral"}),
        ]
        for i, (owner, kind) in enumerate(case["points"]):
            value = {
                "email": f"rosa{i}@exemplo.com",
                "phone": f"+55 11 9876{i:01d}-43{i:02d}",
                "address": f"Rua {i}, São Paulo",
            }[kind]
            contact_point_add(
                actor=None,
                party_id=parties[owner].pk,
                data={"kind": kind, "value": value, "is_primary": case["kinds_primary"]},
            )
        for i, owner in enumerate(case["interactions"]):
            interaction_record(
                actor=None,
                party_id=parties[owner].pk,
                data={"channel": "phone", "direction": "in", "subject": f"c{i}"},
            )
        for i, owner in enumerate(case["notes"]):
            note_add(actor=None, party_id=parties[owner].pk, body=f"nota {i}")
        for i, owner in enumerate(case["external_ids"]):
            external_id_add(actor=None, party_id=parties[owner].pk, source="erp", code=f"E{i}")
        for owner, stage in case["moves"]:
            with contextlib.suppress(Invalid):
                lifecycle_move(actor=None, party_id=parties[owner].pk, to_stage=stage)
        survivor, merged = parties
        ids = (survivor.pk, merged.pk)
        before = {
            "points": set(
                ContactPoint.objects.filter(party_id__in=ids).values_list("pk", flat=True)
            ),
            "interactions": Interaction.objects.filter(party_id__in=ids).count(),
            "notes": Note.objects.filter(party_id__in=ids).count(),
            "moves": LifecycleMove.objects.filter(party_id__in=ids).count(),
            "audit": AuditEntry.objects.filter(party_id__in=ids).count(),
            "external_ids": len(case["external_ids"]),
        }

        party_merge(actor=None, survivor_id=survivor.pk, merged_id=merged.pk)

        kept = party_get(actor=None, party_id=survivor.pk)
        assert {p.pk for p in kept.contact_points.all()} == before["points"]
        assert Interaction.objects.filter(party=survivor).count() == before["interactions"]
        assert Note.objects.filter(party=survivor).count() == before["notes"]
        assert kept.external_ids.count() == before["external_ids"]
        assert LifecycleMove.objects.filter(party=survivor).count() >= before["moves"]
        assert AuditEntry.objects.filter(party_id=survivor.pk).count() == before["audit"] + 1
        assert not AuditEntry.objects.filter(party_id=merged.pk).exists()
        for point in kept.contact_points.exclude(kind="address"):
            assert party_lookup(actor=None, **{point.kind: point.normalized}).pk == survivor.pk
        for kind in ("email", "phone", "address"):
            primaries = kept.contact_points.filter(kind=kind, is_primary=True).count()
            assert primaries == (1 if kept.contact_points.filter(kind=kind).exists() else 0)
        with pytest.raises(NotFound):
            party_get(actor=None, party_id=merged.pk)
        assert party_get(actor=None, party_id=merged.pk, follow_merge=True).pk == survivor.pk


STAGES = ["suspect", "prospect", "buyer", "client", "advocate", "inactive", "lost"]


@EXAMPLES
@given(
    start=st.sampled_from(STAGES),
    attempts=st.lists(st.tuples(st.sampled_from(STAGES), st.booleans()), max_size=12),
)
def test_the_lifecycle_history_always_chains_from_to(
    start: str, attempts: list[tuple[str, bool]]
) -> None:
    with rolled_back():
        party = party_create(
            actor=None, data={"kind": "person", "name": "Teste"}, lifecycle_stage=start
        )
        expected = start
        for to, with_reason in attempts:
            try:
                lifecycle_move(
                    actor=None,
                    party_id=party.pk,
                    to_stage=to,
                    reason="motivo" if with_reason else "",
                )
            except Invalid:
                assert to not in ALLOWED_MOVES[expected] or not with_reason
                continue
            assert to in ALLOWED_MOVES[expected]
            expected = to
        history = list(LifecycleMove.objects.filter(party=party).order_by("occurred_at", "id"))
        assert history[0].from_stage == ""
        assert history[0].to_stage == start
        for earlier, later in itertools.pairwise(history):
            assert later.from_stage == earlier.to_stage
        assert history[-1].to_stage == expected == Party.objects.get(pk=party.pk).lifecycle_stage

"""/api/v1/segments: the role matrix, 422 with paths and nothing written, versions, counts,
members, snapshots, the field registry."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.marketing.models import Segment, SegmentSnapshot, SegmentSnapshotMember
from fregues.marketing.selectors.segments import segment_party_ids
from fregues.marketing.tests.factories import CampaignFactory, SegmentFactory
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

CLIENTS = {"all": [{"field": "lifecycle_stage", "op": "in", "value": ["client"]}]}


@pytest.fixture
def clients() -> list[Any]:
    made = [PartyFactory(lifecycle_stage="client", name=f"Cliente {i}") for i in range(3)]
    ContactPointFactory(party=made[0], kind="email", value="a@exemplo.com.br")
    ContactPointFactory(party=made[0], kind="address", city="Campinas")
    PartyFactory(lifecycle_stage="prospect")
    PartyFactory(lifecycle_stage="client", merged_into=made[1])
    return made


def test_create_get_list_update_delete(marketing_api: Any, clients: list[Any]) -> None:
    made = marketing_api.post("/segments", {"name": "Clientes", "rules": CLIENTS})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["rules"] == CLIENTS and body["version"] == 1
    assert body["owner"]["id"] == marketing_api.user.pk
    sid = body["id"]
    assert marketing_api.get(f"/segments/{sid}").json()["name"] == "Clientes"
    assert [s["id"] for s in marketing_api.get("/segments").json()] == [sid]
    changed = marketing_api.patch(f"/segments/{sid}", {"name": "Clientes VIP", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    put = marketing_api.put(f"/segments/{sid}", {"description": "d", "version": 2})
    assert put.status_code == 200 and put.json()["description"] == "d"
    assert set(AuditEntry.objects.filter(entity_id=sid).values_list("action", flat=True)) == {
        "create",
        "update",
    }
    assert marketing_api.delete(f"/segments/{sid}").status_code == 204
    assert not Segment.objects.exists()
    assert marketing_api.get(f"/segments/{sid}").status_code == 404


def test_stale_version_is_409(marketing_api: Any) -> None:
    segment = SegmentFactory(version=3)
    answer = marketing_api.patch(f"/segments/{segment.pk}", {"name": "x", "version": 2})
    assert answer.status_code == 409
    assert answer.json()["code"] == "version_conflict"
    assert marketing_api.delete(f"/segments/{segment.pk}", **{"If-Match": '"1"'}).status_code == 409
    segment.refresh_from_db()
    assert segment.name != "x"


def test_bad_rules_are_422_with_paths_and_nothing_written(
    marketing_api: Any, unchanged: Any
) -> None:
    rules = {
        "all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["client"]},
            {"field": "lifecycle_stage", "op": "between", "value": ["client"]},
            {"field": "consent", "op": "granted", "value": "telepathy"},
        ]
    }
    with unchanged():
        answer = marketing_api.post("/segments", {"name": "", "rules": rules})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert set(errors) == {"name", "rules.all.1.op"}
    assert not Segment.objects.exists()
    # once the syntax is right, unknown references are named too
    rules["all"][1]["op"] = "in"
    answer = marketing_api.post("/segments", {"name": "x", "rules": rules})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"rules.all.2.value"}
    answer = marketing_api.post("/segments/count", {"rules": {"all": "clients"}})
    assert answer.status_code == 422 and "rules.all" in answer.json()["errors"]


def test_live_count_saved_count_members(marketing_api: Any, clients: list[Any]) -> None:
    answer = marketing_api.post("/segments/count", {"rules": CLIENTS})
    assert answer.status_code == 200 and answer.json()["count"] == 3
    segment = SegmentFactory(rules=CLIENTS)
    answer = marketing_api.get(f"/segments/{segment.pk}/count")
    assert answer.json()["count"] == 3
    segment.refresh_from_db()
    assert segment.last_count == 3 and segment.last_counted_at is not None
    page = marketing_api.get(f"/segments/{segment.pk}/members", {"per_page": 2}).json()
    assert page["has_next"] is True and len(page["items"]) == 2
    first = page["items"][0]
    assert set(first) == {"id", "name", "lifecycle_stage", "city", "email"}
    assert first == {
        "id": clients[0].pk,
        "name": "Cliente 0",
        "lifecycle_stage": "client",
        "city": "Campinas",
        "email": "a@exemplo.com.br",
    }
    page2 = marketing_api.get(f"/segments/{segment.pk}/members", {"page": 2, "per_page": 2})
    assert page2.json()["has_next"] is False and len(page2.json()["items"]) == 1


def test_members_page_is_one_query(
    marketing_api: Any, clients: list[Any], data_queries: Any
) -> None:
    from fregues.marketing.selectors.segments import segment_members

    segment = SegmentFactory(rules=CLIENTS)
    with data_queries(2):  # the segment, then the page
        found = segment_members(actor=marketing_api.user, segment_id=segment.pk)
    assert len(found.rows) == 3


def test_snapshots_freeze_members(marketing_api: Any, clients: list[Any]) -> None:
    segment = SegmentFactory(rules=CLIENTS)
    answer = marketing_api.post(f"/segments/{segment.pk}/snapshots", {"name": "Natal"})
    assert answer.status_code == 201, answer.content
    snap = answer.json()
    assert snap["member_count"] == 3 and snap["name"] == "Natal"
    assert set(
        SegmentSnapshotMember.objects.filter(snapshot_id=snap["id"]).values_list(
            "party_id", flat=True
        )
    ) == {c.pk for c in clients}
    PartyFactory(lifecycle_stage="client")  # joins the segment, not the snapshot
    frozen = SegmentSnapshot.objects.get(pk=snap["id"])
    assert set(segment_party_ids(frozen)) == {c.pk for c in clients}
    assert len(list(segment_party_ids(segment))) == 4
    listed = marketing_api.get(f"/segments/{segment.pk}/snapshots").json()
    assert [s["id"] for s in listed] == [snap["id"]]
    assert AuditEntry.objects.filter(action="snapshot").exists()


def test_a_segment_used_by_a_campaign_cannot_be_deleted(marketing_api: Any) -> None:
    campaign = CampaignFactory()
    answer = marketing_api.delete(f"/segments/{campaign.segment_id}")
    assert answer.status_code == 409
    assert Segment.objects.filter(pk=campaign.segment_id).exists()


def test_registry(marketing_api: Any) -> None:
    body = marketing_api.get("/segments/fields").json()
    codes = {f["code"] for f in body["fields"]}
    assert {"lifecycle_stage", "tags", "age_band", "city", "consent", "orders"} <= codes
    consent = next(f for f in body["fields"] if f["code"] == "consent")
    params = consent["ops"][0]["params"]
    assert params[0] == {
        "name": "value",
        "type": "choice",
        "label": "purpose",
        "required": True,
        "choices": "purposes",
        "minimum": None,
        "maximum": None,
    }
    assert "marketing_email" in {c["value"] for c in body["choices"]["purposes"]}
    assert body["limits"] == {"depth": 5, "conditions": 50, "list": 200}


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("marketing", 200, 201),
        ("admin", 200, 201),
        ("relationship_manager", 200, 403),
        ("sales", 200, 403),
        ("agent", 403, 403),
        ("quality_manager", 403, 403),
    ],
)
def test_role_matrix(api_as: Any, role: str, read: int, write: int) -> None:
    api = api_as(role)
    segment = SegmentFactory(rules=CLIENTS)
    assert api.get("/segments").status_code == read
    assert api.get(f"/segments/{segment.pk}").status_code == read
    assert api.get(f"/segments/{segment.pk}/count").status_code == read
    assert api.get(f"/segments/{segment.pk}/members").status_code == read
    assert api.get("/segments/fields").status_code == read
    assert api.post("/segments/count", {"rules": CLIENTS}).status_code == read
    assert api.post("/segments", {"name": "x", "rules": CLIENTS}).status_code == write
    change = 200 if write == 201 else 403
    assert api.patch(f"/segments/{segment.pk}", {"name": "y"}).status_code == change
    assert api.post(f"/segments/{segment.pk}/snapshots", {}).status_code == write
    assert api.delete(f"/segments/{segment.pk}").status_code == (204 if write == 201 else 403)


def test_anonymous_is_401(anonymous_api: Any) -> None:
    assert anonymous_api.get("/segments").status_code == 401


def test_openapi_documents_the_segment_endpoints(admin_api: Any) -> None:
    spec = admin_api.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/segments",
        "/api/v1/segments/count",
        "/api/v1/segments/fields",
        "/api/v1/segments/{segment_id}",
        "/api/v1/segments/{segment_id}/count",
        "/api/v1/segments/{segment_id}/members",
        "/api/v1/segments/{segment_id}/snapshots",
    ):
        assert path in paths, path

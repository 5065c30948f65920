"""/api/v1/lifecycle-rules: read by everyone, changed by administrators, checked fully."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.sales.models import LifecycleRule

pytestmark = pytest.mark.django_db


def rule(kind: str) -> LifecycleRule:
    return LifecycleRule.objects.get(kind=kind)


def test_list_has_the_five_seeded_rules_with_sentences(api_as: Any) -> None:
    response = api_as("sales").get("/lifecycle-rules")
    assert response.status_code == 200
    body = response.json()
    assert [r["kind"] for r in body] == [
        "first_paid_order",
        "repeat_order",
        "dormant",
        "referral",
        "satisfaction",
    ]
    repeat = body[1]
    assert (repeat["to_stage"], repeat["parameter"], repeat["window_days"]) == (
        "client",
        "window_days",
        365,
    )
    assert "365" in repeat["sentence"]
    assert body[4]["min_score"] == 9 and "9" in body[4]["sentence"]
    assert body[0]["parameter"] is None


def test_admin_changes_parameters_and_switches_rules(api_as: Any) -> None:
    api = api_as("admin")
    r = rule("repeat_order")
    response = api.patch(f"/lifecycle-rules/{r.pk}", {"window_days": 180})
    assert response.status_code == 200, response.json()
    assert response.json()["window_days"] == 180 and "180" in response.json()["sentence"]
    response = api.patch(
        f"/lifecycle-rules/{rule('dormant').pk}", {"months": 6, "is_active": False}
    )
    assert (response.json()["months"], response.json()["is_active"]) == (6, False)
    assert (
        api.patch(f"/lifecycle-rules/{rule('satisfaction').pk}", {"min_score": 0}).status_code
        == 200
    )
    assert (
        AuditEntry.objects.filter(entity_type="sales.lifecyclerule", action="update").count() == 3
    )
    # a repeat changes nothing and writes nothing
    api.patch(f"/lifecycle-rules/{r.pk}", {"window_days": 180})
    assert (
        AuditEntry.objects.filter(entity_type="sales.lifecyclerule", action="update").count() == 3
    )


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("repeat_order", {"window_days": 0}, "window_days"),
        ("repeat_order", {"window_days": "abc"}, "window_days"),
        ("repeat_order", {"window_days": 1.5}, "window_days"),
        ("dormant", {"months": 0}, "months"),
        ("dormant", {"months": 121}, "months"),
        ("satisfaction", {"min_score": 11}, "min_score"),
        ("satisfaction", {"min_score": -1}, "min_score"),
        ("first_paid_order", {"months": 3}, "months"),
        ("referral", {"is_active": "yes"}, "is_active"),
    ],
)
def test_bad_parameters_are_422_with_nothing_written(
    api_as: Any, unchanged: Any, kind: str, body: dict[str, Any], field: str
) -> None:
    api = api_as("admin")
    with unchanged():
        response = api.patch(f"/lifecycle-rules/{rule(kind).pk}", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_every_error_at_once(api_as: Any, unchanged: Any) -> None:
    api = api_as("admin")
    with unchanged():
        response = api.patch(
            f"/lifecycle-rules/{rule('dormant').pk}",
            {"months": 500, "is_active": "no", "window_days": 3},
        )
    assert set(response.json()["errors"]) == {"months", "is_active", "window_days"}


@pytest.mark.parametrize("role", ["agent", "sales", "marketing", "relationship_manager"])
def test_only_administrators_change_rules(api_as: Any, unchanged: Any, role: str) -> None:
    api = api_as(role)
    assert api.get("/lifecycle-rules").status_code == 200
    with unchanged():
        response = api.patch(f"/lifecycle-rules/{rule('dormant').pk}", {"months": 3})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert rule("dormant").months == 12


def test_unknown_rule_is_404(api_as: Any) -> None:
    assert api_as("admin").patch("/lifecycle-rules/9999", {"months": 3}).status_code == 404
    assert api_as("admin").get("/lifecycle-rules/9999").status_code == 404


def test_list_is_one_query(api_as: Any, django_assert_max_num_queries: Any) -> None:
    api = api_as("sales")
    api.get("/lifecycle-rules")
    with django_assert_max_num_queries(4):  # token, user, rules (+ the token's last use)
        assert api.get("/lifecycle-rules").status_code == 200

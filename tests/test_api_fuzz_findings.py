"""What the API fuzz test (tests/test_api_fuzz.py) found, one plain regression test each.

See bench/results/fuzz-2026-12-06.md for the run that found them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.core.schemas import DB_INT_MAX

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**64)


CLASHES: set[str] = set()


@pytest.fixture(scope="module")
def document(django_db_blocker: Any) -> dict[str, Any]:
    """The document, built once; names of schemas that clash while building go to CLASHES
    (ninja keeps the last of two schemas with one class name, silently)."""
    from ninja.openapi.schema import OpenAPISchema

    from fregues.api import api

    api.openapi_cache.clear()  # build it again, watching
    original = OpenAPISchema.add_schema_definitions

    def record(self: OpenAPISchema, definitions: dict) -> None:
        CLASHES.update(k for k, v in definitions.items() if self.schemas.get(k, v) != v)
        original(self, definitions)

    OpenAPISchema.add_schema_definitions = record  # type: ignore[method-assign]
    try:
        with django_db_blocker.unblock():
            return Client().get("/api/v1/openapi.json").json()
    finally:
        OpenAPISchema.add_schema_definitions = original  # type: ignore[method-assign]


def test_the_document_is_built_once_per_language() -> None:
    """Building it costs seconds of CPU and anyone may ask for it."""
    from fregues.api import api

    assert api.get_openapi_schema() is api.get_openapi_schema()


def _error_body(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) >= {"code", "message", "errors"}, body
    return body


def test_a_body_that_is_not_json_is_a_documented_400(api: Any, document: dict) -> None:
    response = api.client.post("/api/v1/parties", "{", content_type="application/json")
    assert response.status_code == 400
    assert _error_body(response)["code"] == "bad_request"
    documented = document["paths"]["/api/v1/parties"]["post"]["responses"]
    assert {"400", "429"} <= set(documented)


def test_public_and_portal_sign_in_operations_document_400(document: dict) -> None:
    paths = document["paths"]
    assert "400" in paths["/api/v1/portal/sign-in"]["post"]["responses"]
    assert "400" in paths["/api/v1/forms/{code}/leads"]["post"]["responses"]


def test_me_and_users_document_their_errors(document: dict, anonymous_api: Any) -> None:
    for path in ("/api/v1/me", "/api/v1/users"):
        assert {"401", "403"} <= set(document["paths"][path]["get"]["responses"]), path
    response = anonymous_api.get("/me")
    assert response.status_code == 401
    _error_body(response)


def test_no_two_schemas_share_a_component_name(document: dict) -> None:
    """Two schemas with one name: one operation's document describes the other's body (the
    segment rule fields were documented as the pivot's registry)."""
    assert document["components"]["schemas"]
    assert not CLASHES, f"rename one of each: {sorted(CLASHES)}"


def test_segment_fields_are_documented_as_what_they_answer(
    marketing_api: Any, document: dict
) -> None:
    schema = document["paths"]["/api/v1/segments/fields"]["get"]["responses"]["200"]
    name = schema["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    required = set(document["components"]["schemas"][name]["required"])
    body = marketing_api.get("/segments/fields").json()
    assert required <= set(body), (required, set(body))


def test_a_payment_too_large_for_the_database_is_invalid(api_as: Any) -> None:
    from fregues.sales.tests.factories import OrderFactory, add_lines

    api = api_as("sales")
    order = OrderFactory()
    add_lines(order, [(None, 1, "100.00")])
    response = api.post(f"/orders/{order.pk}/payments", {"amount": "1e15"})
    assert response.status_code == 422
    assert "amount" in _error_body(response)["errors"]


@pytest.mark.parametrize(
    "params",
    [{"size": 0}, {"size": 501}, {"days": 0}, {"days": 3661}, {"agent_id": TOO_BIG}],
)
def test_the_quality_sample_is_bounded(api_as: Any, params: dict) -> None:
    response = api_as("quality_manager").get("/quality/sample", params)
    assert response.status_code == 422
    assert set(params) <= set(_error_body(response)["errors"])


def test_the_largest_quality_sample_is_answered(api_as: Any) -> None:
    response = api_as("quality_manager").get("/quality/sample", {"size": 500, "days": 3660})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/orders", "party_id"),
        ("/orders", "opportunity_id"),
        ("/invoices", "party_id"),
        ("/invoices", "order_id"),
        ("/quotes", "party_id"),
        ("/opportunities", "pipeline_id"),
        ("/leads", "owner_id"),
        ("/activities", "lead_id"),
        ("/parties", "owner_id"),
        ("/cases", "queue_id"),
        ("/interactions", "agent_id"),
        ("/forecast", "owner_id"),
        ("/exports/interactions.csv", "party_id"),
    ],
)
def test_list_filters_reject_ids_the_database_cannot_hold(
    admin_api: Any, path: str, param: str
) -> None:
    response = admin_api.get(path, {param: TOO_BIG})
    assert response.status_code == 422
    assert param in _error_body(response)["errors"]
    assert admin_api.get(path, {param: DB_INT_MAX}).status_code == 200


def test_a_protocol_naming_another_case_operation_is_a_documented_405(
    api: Any, document: dict
) -> None:
    response = api.get("/cases/reassign")
    assert response.status_code == 405
    assert _error_body(response)["code"] == "method_not_allowed"
    assert api.patch("/cases/my-work", {}).status_code == 405
    for method in ("get", "patch"):
        assert "405" in document["paths"]["/api/v1/cases/{protocol}"][method]["responses"]


def test_a_drill_page_beyond_any_table_is_invalid(admin_api: Any) -> None:
    response = admin_api.get("/analytics/pivot/drill", {"page": TOO_BIG, "page_size": 10_000})
    assert response.status_code == 422
    assert {"page", "page_size"} <= set(_error_body(response)["errors"])


@pytest.mark.parametrize("path", ["/consents", "/interactions"])
def test_a_moment_with_an_offset_postgresql_refuses_is_read_in_utc(
    admin_api: Any, path: str
) -> None:
    """PostgreSQL accepts offsets up to ±15:59; Python up to ±23:59 (500 before the fix)."""
    response = admin_api.get(path, {"since": "1399-03-21T19:02:30.768-19:38"})
    assert response.status_code == 200, response.content
    too_early = admin_api.get(path, {"since": "0001-01-01T00:00:00+01:00"})
    assert too_early.status_code == 422
    assert "since" in _error_body(too_early)["errors"]


def test_text_with_a_nul_character_is_invalid_not_a_server_error(admin_api: Any) -> None:
    """PostgreSQL text cannot hold NUL (500 before the fix, long run seed 8)."""
    response = admin_api.get("/segments", {"q": "a\x00b"})
    assert response.status_code == 422
    assert _error_body(response)["code"] == "invalid"
    body = admin_api.post("/cases/reassign", {"protocols": ["a\x00"], "assignee_id": 1})
    assert body.status_code == 422

"""The pivot's endpoints are in the OpenAPI document, with their error answers."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/analytics/pivot": {"get", "post"},
    "/api/v1/analytics/pivot/dimensions": {"get"},
    "/api/v1/analytics/pivot/drill": {"get", "post"},
    "/api/v1/analytics/pivot/export": {"get"},
    "/api/v1/analytics/pivot/segment": {"post"},
    "/api/v1/analytics/reports": {"get", "post"},
    "/api/v1/analytics/reports/{report_id}": {"get", "patch", "delete"},
    "/api/v1/analytics/dashboards": {"get"},
    "/api/v1/analytics/dashboards/pins": {"post"},
    "/api/v1/analytics/dashboards/pins/{item_id}": {"delete"},
}


def test_the_pivot_endpoints_are_documented() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    for path, methods in PATHS.items():
        assert methods <= set(document["paths"][path]), path
        for method in methods:
            responses = document["paths"][path][method]["responses"]
            assert {"403", "422"} <= set(responses), (path, method)

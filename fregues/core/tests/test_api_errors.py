"""Every error under /api/ is JSON, even for a path or a method the API does not have."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(client: Any) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_json_405_with_allow(api: Any) -> None:
    response = api.put("/api/v1/parties", {})
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed" and "GET" in response["Allow"]

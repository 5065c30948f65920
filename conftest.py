"""Shared test fixtures: users per role, an API client per role, row counts, a tmp media dir.

The settings are the production ones (``FREGUES_*`` variables; ``FREGUES_DATABASE_URL`` chooses
PostgreSQL, SQLite otherwise). pytest-django loads them before this module is imported, so the
test overrides are applied in ``pytest_configure``: background tasks run at once
(ImmediateBackend) and passwords hash fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

API = "/api/v1"
IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"

# For any process the tests start (settings are read from the environment there).
os.environ["FREGUES_TASK_BACKEND"] = IMMEDIATE_TASKS
os.environ.setdefault("FREGUES_CACHE", "memory")


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.test.signals import setting_changed

    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_TASKS}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django_tasks caches its backends: this signal makes it read TASKS again.
    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)
    # A fast hasher: the tests create many users; hashing strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Answers that skip ninja's response validation are validated and compared in every test.
    settings.API_CHECK_KNOWN_GOOD = True


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Several engineers run the suite at once against one PostgreSQL server: give each run
    its own test database, so one run never drops another's."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        base = db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}"
        db.setdefault("TEST", {})["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded attachments go to a per-test temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    """Each test starts with an empty cache and no remembered API tokens (throttle counters
    and tokens of one test must not decide another's answers)."""
    from django.core.cache import cache

    from fregues.accounts.tokens import recent_tokens

    cache.clear()
    recent_tokens.forget()
    yield


class ApiClient:
    """A JSON client for /api/v1 as one user (bearer token), through Django's whole stack."""

    def __init__(self, user: Any = None, token: str | None = None) -> None:
        from django.test import Client

        self.user = user
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def _url(self, path: str) -> str:
        return path if path.startswith(API) else f"{API}{path}"

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(self._url(path), params or {}, headers=headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            self._url(path),
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=headers,
        )

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.patch(
            self._url(path), json.dumps(body), content_type="application/json", headers=headers
        )

    def put(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.put(
            self._url(path), json.dumps(body), content_type="application/json", headers=headers
        )

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(self._url(path), headers=headers)

    def upload(self, path: str, files: dict[str, Any]) -> Any:
        return self.client.post(self._url(path), files)


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """``make_user(role="agent", **fields)``: a saved user with that role."""
    from fregues.accounts.tests.factories import UserFactory

    def make(role: str = "agent", **fields: Any) -> Any:
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def api_for(db: None) -> Callable[[Any], ApiClient]:
    """``api_for(user)``: an ApiClient sending a fresh bearer token of ``user``."""
    from fregues.accounts.services import token_create

    def make(user: Any) -> ApiClient:
        return ApiClient(user, token_create(actor=None, user=user, name="tests"))

    return make


@pytest.fixture
def api_as(make_user: Callable[..., Any], api_for: Callable[[Any], ApiClient]) -> Callable:
    """``api_as("marketing")``: an ApiClient for a new user of that role."""

    def make(role: str = "agent", **fields: Any) -> ApiClient:
        return api_for(make_user(role, **fields))

    return make


@pytest.fixture
def agent(make_user: Callable[..., Any]) -> Any:
    return make_user("agent")


@pytest.fixture
def manager(make_user: Callable[..., Any]) -> Any:
    """A relationship manager."""
    return make_user("relationship_manager")


@pytest.fixture
def marketer(make_user: Callable[..., Any]) -> Any:
    return make_user("marketing")


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin")


@pytest.fixture
def api(agent: Any, api_for: Callable[[Any], ApiClient]) -> ApiClient:
    """The API as an agent: the everyday caller."""
    return api_for(agent)


@pytest.fixture
def manager_api(manager: Any, api_for: Callable[[Any], ApiClient]) -> ApiClient:
    return api_for(manager)


@pytest.fixture
def marketing_api(marketer: Any, api_for: Callable[[Any], ApiClient]) -> ApiClient:
    return api_for(marketer)


@pytest.fixture
def admin_api(admin: Any, api_for: Callable[[Any], ApiClient]) -> ApiClient:
    return api_for(admin)


@pytest.fixture
def anonymous_api(db: None) -> ApiClient:
    return ApiClient()


def row_counts() -> dict[str, int]:
    """Rows per table of the domain and infrastructure apps (users excluded: fixtures make
    them)."""
    from django.apps import apps

    labels = {"core", "parties", "interactions", "sales"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


@pytest.fixture
def unchanged() -> Callable[[], Iterator[None]]:
    """``with unchanged(): <rejected request>`` fails when any domain row was written."""
    import contextlib

    @contextlib.contextmanager
    def check() -> Iterator[None]:
        before = row_counts()
        yield
        after = row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"a rejected request wrote rows: {changed}"

    return check

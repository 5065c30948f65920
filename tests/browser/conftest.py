"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Run with ``uv run pytest -m browser tests/browser`` (the default run deselects them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# test (creating data, checking results) are safe there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "Fregues#2026"

# What the migrations seed (circuits, queues, consent purposes, the pipeline, taxes, rules...),
# as (module, function) of the migrations' own seeding functions.
SEEDS = (
    ("fregues.service.migrations.0002_seed_circuits_calendars_queues", "seed"),
    ("fregues.service.migrations.0004_status_public_description_en", "fill"),
    ("fregues.service.migrations.0006_case_type_is_public", "mark_public"),
    ("fregues.parties.migrations.0007_seed_consent_purposes", "seed"),
    ("fregues.sales.migrations.0002_seed_pipeline_reasons_taxes_rules", "seed"),
)


@pytest.fixture(autouse=True)
def migration_seeds(transactional_db: None) -> None:
    """The rows the migrations seed, laid again before each test. Live-server tests run
    without a wrapping transaction and each one empties the tables after itself; Django's
    serialized rollback cannot restore them here (Playwright's event loop gives the test
    thread a fresh connection wrapper, without the serialized copy)."""
    import importlib

    from django.apps import apps

    from fregues.service.models import CaseType

    if not CaseType.objects.exists():
        for module, function in SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A Brazilian browser: the UI answers in pt-BR, the default language.
    return {**browser_context_args, "locale": "pt-BR", "timezone_id": "America/Sao_Paulo"}


@pytest.fixture
def users(transactional_db: None) -> dict[str, Any]:
    from fregues.accounts.models import User

    made = {}
    for username, role, first in (
        ("ana", "admin", "Ana"),
        ("rita", "relationship_manager", "Rita"),
        ("beto", "agent", "Beto"),
    ):
        made[username] = User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            first_name=first,
            is_staff=role == "admin",
            is_superuser=role == "admin",
        )
    return made


@pytest.fixture
def login(page: Any, live_server: Any, users: dict[str, Any]) -> Callable[..., Any]:
    """Sign in through the login form; returns the page on the home screen."""

    def do(username: str = "ana") -> Any:
        page.goto(f"{live_server.url}/")
        page.wait_for_url("**/accounts/login/**")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do


@pytest.fixture
def joao(users: dict[str, Any]) -> Any:
    """João da Silva, a customer with an e-mail and a mobile phone."""
    from fregues.parties.services import party_create

    return party_create(
        actor=users["ana"],
        data={
            "kind": "person",
            "given_name": "João",
            "family_name": "da Silva",
            "tax_id": "529.982.247-25",
            "birth_date": "1980-05-17",
            "owner_id": users["rita"].pk,
        },
        contact_points=[
            {"kind": "email", "value": "joao.silva@example.com"},
            {"kind": "phone", "value": "(11) 98765-4321"},
        ],
        tags=["VIP"],
    )


def htmx_ready(page: Any, selector: str) -> None:
    """Wait until htmx has processed the element ``selector`` after a swap.

    htmx inserts swapped content first and attaches its handlers in the settle step (20 ms
    later); an element can be visible to Playwright, and changed by it, before htmx listens.
    """
    page.wait_for_function(
        "sel => { const e = document.querySelector(sel);"
        " return !!(e && e['htmx-internal-data'] && e['htmx-internal-data'].initHash); }",
        arg=selector,
    )

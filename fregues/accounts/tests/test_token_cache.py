"""A web process remembers an accepted API token for a few seconds (issue 13: the token lookup
was half of a customer-page request); revoking through Freguês takes effect at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fregues.accounts import tokens
from fregues.accounts.models import ApiToken
from fregues.accounts.services import token_revoke
from fregues.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_used_again_within_seconds_costs_no_query(api_as: Any) -> None:
    api = api_as("agent")
    assert api.get("/me").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/me").status_code == 200
    assert not [q for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]


def test_a_token_revoked_elsewhere_stops_working_when_the_memory_expires(
    api_as: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.TOKEN_CACHE_SECONDS = 10
    api = api_as("agent")
    assert api.get("/me").status_code == 200
    # another process revokes it straight in the database
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api.get("/me").status_code == 200  # remembered, for at most 10 s
    later = tokens.time.monotonic() + 11
    monkeypatch.setattr(tokens.time, "monotonic", lambda: later)
    assert api.get("/me").status_code == 401


def test_revoking_through_fregues_works_at_once_and_is_audited(api_as: Any, make_user: Any) -> None:
    api = api_as("agent")
    assert api.get("/me").status_code == 200
    record = ApiToken.objects.get()
    admin = make_user("admin")
    token_revoke(actor=admin, token_id=record.pk)
    assert api.get("/me").status_code == 401
    assert AuditEntry.objects.filter(summary__contains="revoked").count() == 1


def test_someone_else_cannot_revoke_a_token_without_managing_users(
    api_as: Any, make_user: Any
) -> None:
    from fregues.core.errors import Forbidden

    api_as("agent")
    with pytest.raises(Forbidden):
        token_revoke(actor=make_user("agent"), token_id=ApiToken.objects.get().pk)
    assert ApiToken.objects.get().revoked_at is None


def test_the_cli_lists_and_revokes_a_users_token(api_as: Any, capsys: Any) -> None:
    api = api_as("agent", username="tina")
    assert api.get("/me").status_code == 200
    prefix = ApiToken.objects.get().prefix
    call_command("token", "tina", "--list")
    assert prefix in capsys.readouterr().out
    call_command("token", "tina", "--revoke", prefix)
    assert "revoked" in capsys.readouterr().out
    assert api.get("/me").status_code == 401

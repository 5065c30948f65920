"""Users, roles and API tokens: who is calling, and what their role lets them do."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fregues.accounts.models import ApiToken, User
from fregues.accounts.services import (
    TOKEN_PREFIX,
    team_create,
    token_authenticate,
    token_create,
    user_create,
)
from fregues.accounts.tests.factories import UserFactory
from fregues.core.errors import Conflict, Forbidden, Invalid
from fregues.core.models import AuditEntry
from fregues.core.permissions import PERMISSIONS, ROLES, can

pytestmark = pytest.mark.django_db


# --- services ---


def test_an_admin_creates_a_user_with_a_role(admin: Any) -> None:
    user = user_create(
        actor=admin,
        username="rui",
        password="Relacionamento#2026",
        role="relationship_manager",
        first_name="Rui",
        last_name="Almeida",
    )
    assert user.role == "relationship_manager"
    assert user.check_password("Relacionamento#2026")
    assert user.display_name == "Rui Almeida"
    assert not user.is_staff
    entry = AuditEntry.objects.get(entity_type="accounts.user", entity_id=user.pk)
    assert entry.actor == admin


def test_an_admin_user_may_use_the_django_admin(admin: Any) -> None:
    user = user_create(actor=None, username="adelia", password="Administra#2026", role="admin")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_create_users(make_user: Any, role: str) -> None:
    with pytest.raises(Forbidden):
        user_create(
            actor=make_user(role), username="novo", password="Senha#Forte2026", role="agent"
        )
    assert not User.objects.filter(username="novo").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": " "}, "username"),
        ({"role": "boss"}, "role"),
        ({"password": "123"}, "password"),
    ],
)
def test_bad_users_are_refused(fields: dict[str, Any], field: str) -> None:
    data = {"username": "novo", "password": "Senha#Forte2026", "role": "agent", **fields}
    with pytest.raises(Invalid) as caught:
        user_create(actor=None, **data)
    assert field in caught.value.errors
    assert not User.objects.filter(username="novo").exists()


def test_a_taken_username_is_a_conflict_whatever_the_case() -> None:
    UserFactory(username="ana")
    with pytest.raises(Conflict):
        user_create(actor=None, username="ANA", password="Senha#Forte2026", role="agent")


def test_teams(admin: Any, agent: Any) -> None:
    team = team_create(actor=admin, name="Call center SP", members=[agent])
    assert list(agent.teams.all()) == [team]
    with pytest.raises(Invalid):
        team_create(actor=admin, name=" ")
    with pytest.raises(Forbidden):
        team_create(actor=agent, name="Outra")


def test_a_token_authenticates_its_user_and_only_its_hash_is_stored(agent: Any) -> None:
    token = token_create(actor=agent, user=agent, name="integração")
    assert token.startswith(TOKEN_PREFIX)
    assert token_authenticate(token) == agent
    record = ApiToken.objects.get(user=agent)
    assert token not in (record.key_hash, record.prefix)
    assert record.last_used_at is not None
    assert token_authenticate(token + "x") is None
    assert token_authenticate("") is None
    assert token_authenticate("Basic abc") is None


def test_only_admins_make_tokens_for_someone_else(agent: Any, admin: Any, make_user: Any) -> None:
    other = make_user("sales")
    with pytest.raises(Forbidden):
        token_create(actor=agent, user=other)
    assert token_authenticate(token_create(actor=admin, user=other)) == other


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_meaning(make_user: Any, role: str) -> None:
    user = make_user(role)
    assert can(user, "party.view")
    assert can(user, "party.merge") == (role in ("relationship_manager", "admin"))
    assert can(user, "party.delete") == (role in ("relationship_manager", "admin"))
    assert can(user, "interaction.view_body") == (role != "marketing")
    assert can(user, "user.manage") == (role == "admin")


def test_the_system_may_do_anything_an_inactive_user_nothing(make_user: Any) -> None:
    assert all(can(None, p) for p in PERMISSIONS)
    inactive = make_user("admin", is_active=False)
    assert not any(can(inactive, p) for p in PERMISSIONS)


# --- API ---


def test_me(api: Any, agent: Any) -> None:
    response = api.get("/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["role"]) == (agent.pk, agent.username, "agent")
    assert body["name"] == agent.display_name
    assert "interaction.create" in body["permissions"]
    assert "party.merge" not in body["permissions"]


def test_users_lists_active_users_by_role(api: Any, make_user: Any) -> None:
    manager = make_user("relationship_manager", first_name="Duarte", last_name="Pires")
    make_user("relationship_manager", is_active=False)
    response = api.get("/users", {"role": "relationship_manager"})
    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == [manager.pk]
    assert response.json()[0]["name"] == "Duarte Pires"
    assert len(api.get("/users").json()) == 2  # the agent calling and the manager


def test_the_session_authenticates_the_ui_with_csrf(agent: Any, unchanged: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.get("/api/v1/me").status_code == 401
    browser.force_login(agent)
    assert browser.get("/api/v1/me").json()["username"] == agent.username
    with unchanged():
        refused = browser.post(
            "/api/v1/parties", {"name": "Sem CSRF"}, content_type="application/json"
        )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(
        "/api/v1/parties",
        {"name": "Com CSRF"},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert accepted.status_code == 201, accepted.json()


def test_a_bearer_token_needs_no_csrf(agent: Any) -> None:
    token = token_create(actor=None, user=agent)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    response = client.post(
        "/api/v1/parties", {"name": "Via token"}, content_type="application/json"
    )
    assert response.status_code == 201


# --- command line ---


def test_createuser_and_token_commands(capsys: Any) -> None:
    call_command(
        "createuser",
        "marta",
        role="marketing",
        password="Marketing#2026",
        email="marta@empresa.pt",
        name="Marta Gonçalves",
        language="pt-pt",
    )
    assert "Created marta (marketing)." in capsys.readouterr().out
    marta = User.objects.get(username="marta")
    assert (marta.first_name, marta.last_name, marta.language) == ("Marta", "Gonçalves", "pt-pt")
    call_command("token", "marta")
    token = capsys.readouterr().out.strip()
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert response.json()["role"] == "marketing"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_fregues_console_script(capsys: Any) -> None:
    """The real entry point; a management command closes the connections when it ends, so
    this test commits (and the database is restored after it)."""
    from fregues.cli import main

    assert main(["createuser", "vitor", "--role", "sales", "--generate"]) == 0
    out = capsys.readouterr().out
    assert "Created vitor (sales)." in out
    password = out.split("Password: ")[1].strip()
    assert User.objects.get(username="vitor").check_password(password)
    assert main(["token", "vitor", "--name", "crm-sync"]) == 0
    token = capsys.readouterr().out.strip()
    assert token_authenticate(token).username == "vitor"
    assert ApiToken.objects.get(user__username="vitor").name == "crm-sync"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bia", "--password", "123"], "password"),
        (["ana", "--password", "Senha#Forte2026"], "taken"),
    ],
)
def test_createuser_explains_what_is_wrong(args: list[str], message: str) -> None:
    UserFactory(username="Ana")
    with pytest.raises(CommandError) as caught:
        call_command("createuser", *args)
    assert message in str(caught.value).lower()


def test_createuser_refuses_an_unknown_role() -> None:
    with pytest.raises(CommandError):
        call_command("createuser", "ze", "--role", "boss", "--password", "Senha#Forte2026")
    assert not User.objects.filter(username="ze").exists()


def test_token_for_an_unknown_or_inactive_user_fails() -> None:
    UserFactory(username="inativo", is_active=False)
    for name in ("ninguem", "inativo"):
        with pytest.raises(CommandError):
            call_command("token", name)
    assert not ApiToken.objects.exists()


def test_createuser_in_a_script_never_waits_for_a_password() -> None:
    with pytest.raises(CommandError) as caught:
        call_command("createuser", "robo", "--no-input")
    assert "--password" in str(caught.value)
    assert not User.objects.filter(username="robo").exists()

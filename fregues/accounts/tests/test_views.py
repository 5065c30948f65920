"""Signing in and out, and the language switch on the sign-in page."""

from __future__ import annotations

import pytest
from django.test import Client

from fregues.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_with_the_language_switch():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page and 'name="password"' in page
    assert 'action="/i18n/setlang/"' in page
    assert "Entrar" in page


def test_login_lands_on_home_and_logout_returns_to_login(agent):
    client = Client()
    response = client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 302  # already signed in
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_login_follows_next(agent):
    response = Client().post(
        "/accounts/login/?next=/customers/",
        {"username": agent.username, "password": PASSWORD, "next": "/customers/"},
    )
    assert response["Location"] == "/customers/"


def test_wrong_password_says_so(agent):
    response = Client().post("/accounts/login/", {"username": agent.username, "password": "x"})
    assert response.status_code == 200
    assert "Usuário ou senha incorretos" in response.content.decode()


def test_logout_needs_post(agent):
    client = Client()
    client.force_login(agent)
    assert client.get("/accounts/logout/").status_code == 405

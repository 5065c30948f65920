"""Web security a user (or an attacker) would notice: passwords hashed with Argon2, sign-in
and API tokens throttled, a Content-Security-Policy without inline script, uploads sent back
only as downloads, and Django's deployment check clean with production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from fregues.accounts.tests.factories import PASSWORD, UserFactory
from fregues.interactions.models import Attachment
from fregues.interactions.tests.factories import InteractionFactory

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "fregues"


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    """The tests hash fast (conftest); the production settings put Argon2id first and it
    works on this install (argon2-cffi present)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='fregues.settings'; "
            "django.setup(); from django.contrib.auth.hashers import make_password; "
            "print(make_password('segredo-forte-123'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FREGUES_DATA_DIR": str(ROOT / "var")},
    )
    assert done.stdout.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_sign_in_is_locked_after_five_wrong_passwords_for_that_user_only() -> None:
    ana, bia = UserFactory(username="ana"), UserFactory(username="bia")
    client = Client()
    client.cookies["django_language"] = "en"
    answers = [
        client.post("/accounts/login/", {"username": ana.username, "password": "x"}).status_code
        for _ in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]  # the form with its error, then locked
    locked = client.post("/accounts/login/", {"username": ana.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content
    assert "_auth_user_id" not in client.session  # the right password does not get in now
    other = client.post("/accounts/login/", {"username": bia.username, "password": PASSWORD})
    assert other.status_code == 302  # another user from the same address is not locked


@pytest.mark.django_db
def test_an_address_guessing_api_tokens_is_answered_429(settings: Any, api_as: Any) -> None:
    settings.TOKEN_FAILURE_LIMIT = 3
    good = api_as("agent")
    guesser = Client(headers={"Authorization": "Bearer fgs_guess"}, REMOTE_ADDR="10.0.0.9")
    answers = [guesser.get("/api/v1/parties").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    body = guesser.get("/api/v1/parties").json()
    assert body["code"] == "throttled" and body["message"]
    assert good.get("/parties").status_code == 200  # another address is not throttled


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["default-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_apis_json_answers_carry_a_policy_that_loads_nothing(api_as: Any) -> None:
    api = api_as("agent")
    for response in (api.get("/me"), api.get("/parties/999999")):
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    docs = api.client.get("/api/v1/docs")
    assert "script-src 'self'" in docs["Content-Security-Policy"]


def test_no_template_carries_inline_script_or_event_handlers() -> None:
    """The policy would block them: the behaviour lives in the static .js files."""
    offenders = []
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0) and "application/json" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
        if "<style" in text:
            offenders.append(f"{path.relative_to(ROOT)}: <style> element")
    assert offenders == []


@pytest.mark.django_db
def test_an_uploaded_html_file_comes_back_only_as_an_inert_download(
    make_user: Any,
) -> None:
    interaction: Any = InteractionFactory()
    attachment = Attachment(interaction=interaction, filename="nota.html", content_type="text/html")
    attachment.file.save("nota.html", ContentFile(b"<script>alert(1)</script>"), save=False)
    attachment.save()
    client = Client()
    client.force_login(make_user("agent"))
    response = client.get(f"/interactions/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_deployment_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FREGUES_DEBUG": "0",
        "FREGUES_SECRET_KEY": secrets.token_urlsafe(60),
        "FREGUES_HTTPS": "1",
        "FREGUES_ALLOWED_HOSTS": "crm.example.com",
        "FREGUES_DATA_DIR": str(tmp_path),
    }
    env.pop("FREGUES_DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' plugin, not production
    done = subprocess.run(
        [sys.executable, "-m", "fregues.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

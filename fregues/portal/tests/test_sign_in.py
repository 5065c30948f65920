"""Signing in to the portal without a password: links by e-mail, codes by SMS."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.portal.models import PortalLogin

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(/portal/sign-in/link/[\w\-]+)(\?next=\S+)?")


def en() -> Client:
    """A browser that chose English (the screens speak pt-BR unless one picks a language)."""
    client = Client(headers={"Accept-Language": "en"})
    client.cookies["django_language"] = "en"
    return client


def ask(client: Client, address: str, capture: Any, **extra: str) -> Any:
    with capture(execute=True):
        return client.post("/portal/sign-in", {"address": address, **extra})


def main_of(page: Any) -> str:
    html = page.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def link_in_mail() -> str:
    found = LINK.search(mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1) + (found.group(2) or "")


@pytest.fixture
def ana() -> Any:
    party = PartyFactory(name="Ana Souza", given_name="Ana", language="en")
    ContactPointFactory(party=party, kind="email", value="ana@example.com", is_verified=False)
    ContactPointFactory(party=party, kind="phone", value="+5511987654321")
    return party


def test_known_and_unknown_addresses_get_the_same_answer(
    ana: Any, django_capture_on_commit_callbacks: Any
) -> None:
    known = ask(en(), "  ANA@example.com ", django_capture_on_commit_callbacks)
    unknown = ask(en(), "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert main_of(known).replace("ana@example.com", "X") == main_of(unknown).replace(
        "nobody@example.com", "X"
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]

    phone_known = ask(en(), "(11) 98765-4321", django_capture_on_commit_callbacks)
    phone_unknown = ask(en(), "(11) 91234-0000", django_capture_on_commit_callbacks)
    assert phone_known.status_code == phone_unknown.status_code == 302
    assert phone_known["Location"].startswith("/portal/sign-in/code?address=%2B5511987654321")


def test_a_link_opened_by_a_mail_scanner_still_works_and_marks_the_email_verified(
    ana: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask(en(), "ana@example.com", django_capture_on_commit_callbacks, next="/portal/profile/")
    link = link_in_mail()
    scanner = Client()
    assert scanner.get(link).status_code == 200
    assert scanner.get(link).status_code == 200  # still unused

    browser = en()
    page = browser.get(link)
    assert "Press the button to sign in" in page.content.decode()
    signed_in = browser.post(link)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/profile/"
    assert browser.get("/portal/").status_code == 200
    assert ContactPoint.objects.get(party=ana, kind="email").is_verified
    assert AuditEntry.objects.filter(actor_name=f"portal:{ana.pk}", action="portal.session_open")
    assert Interaction.objects.filter(party=ana, channel="portal", direction="in").exists()

    again = en().post(link)
    assert again.status_code == 400
    assert "not valid any more" in again.content.decode()


def test_an_expired_link_is_refused(ana: Any, django_capture_on_commit_callbacks: Any) -> None:
    ask(en(), "ana@example.com", django_capture_on_commit_callbacks)
    PortalLogin.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    link = link_in_mail()
    assert en().get(link).status_code == 400
    client = en()
    assert client.post(link).status_code == 400
    assert client.get("/portal/").status_code == 302


def test_next_must_be_a_local_url(ana: Any, django_capture_on_commit_callbacks: Any) -> None:
    ask(en(), "ana@example.com", django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    response = en().post(f"{path}?next=https://evil.example/steal")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_a_code_by_sms_signs_in_once(
    ana: Any, sms_outbox: list[dict[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    ask(en(), "+55 11 98765-4321", django_capture_on_commit_callbacks)
    assert sms_outbox[-1]["to"] == "+5511987654321"
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1]["body"]).group(1)  # type: ignore[union-attr]
    client = en()
    wrong = client.post(
        "/portal/sign-in/code",
        {"address": "+5511987654321", "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 422 and "This code is not right" in wrong.content.decode()
    ok = client.post("/portal/sign-in/code", {"address": "+5511987654321", "code": code})
    assert ok.status_code == 302 and ok["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert ContactPoint.objects.get(party=ana, kind="phone").is_verified
    again = en().post("/portal/sign-in/code", {"address": "+5511987654321", "code": code})
    assert again.status_code == 422


def test_a_code_allows_only_so_many_attempts(
    ana: Any,
    settings: Any,
    sms_outbox: list[dict[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PORTAL_CODE_MAX_ATTEMPTS = 3
    ask(en(), "+5511987654321", django_capture_on_commit_callbacks)
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1]["body"]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    client = en()
    for _ in range(2):
        assert (
            client.post(
                "/portal/sign-in/code", {"address": "+5511987654321", "code": wrong}
            ).status_code
            == 422
        )
    last = client.post("/portal/sign-in/code", {"address": "+5511987654321", "code": wrong})
    assert "Too many wrong codes" in last.content.decode()
    right = client.post("/portal/sign-in/code", {"address": "+5511987654321", "code": code})
    assert right.status_code == 422 and "Too many wrong codes" in right.content.decode()
    assert client.get("/portal/").status_code == 302


def test_rate_limit_per_address(
    ana: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS = 2
    for _ in range(2):
        assert ask(en(), "ana@example.com", django_capture_on_commit_callbacks).status_code == 200
    refused = ask(en(), "ana@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert len(mail.outbox) == 2
    # the same for an address nobody holds: the limit tells nothing about who is a customer
    for _ in range(2):
        ask(en(), "nobody@example.com", django_capture_on_commit_callbacks)
    assert ask(en(), "nobody@example.com", django_capture_on_commit_callbacks).status_code == 429


def test_rate_limit_per_ip(
    ana: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PORTAL_SIGN_IN_RATE_PER_IP = 3
    for n in range(3):
        assert (
            ask(en(), f"someone{n}@example.com", django_capture_on_commit_callbacks).status_code
            == 200
        )
    assert ask(en(), "ana@example.com", django_capture_on_commit_callbacks).status_code == 429
    assert mail.outbox == []
    other_ip = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR="10.0.0.9")
    with django_capture_on_commit_callbacks(execute=True):
        assert other_ip.post("/portal/sign-in", {"address": "ana@example.com"}).status_code == 200


def test_a_merged_customer_gets_no_link(django_capture_on_commit_callbacks: Any) -> None:
    survivor = PartyFactory()
    merged = PartyFactory(merged_into=survivor)
    ContactPointFactory(party=merged, kind="email", value="old@example.com")
    assert ask(en(), "old@example.com", django_capture_on_commit_callbacks).status_code == 200
    assert mail.outbox == []


def test_a_bad_address_is_shown_in_the_form() -> None:
    page = en().post("/portal/sign-in", {"address": "not a thing"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'aria-invalid="true"' in html and "field-errors" in html


def test_staff_session_gives_no_portal_access(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    assert client.get("/portal/profile/").status_code == 302
    assert client.get("/api/v1/portal/me").status_code == 401


def test_api_sign_in_with_a_code_and_sign_out(
    ana: Any, sms_outbox: list[dict[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    client = en()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/portal/sign-in",
            json.dumps({"address": "(11) 98765-4321"}),
            content_type="application/json",
        )
    assert started.status_code == 202
    assert started.json()["method"] == "code" and started.json()["address"] == "+5511987654321"
    unknown = client.post(
        "/api/v1/portal/sign-in",
        json.dumps({"address": "(11) 91234-0000"}),
        content_type="application/json",
    )
    assert unknown.status_code == 202 and unknown.json()["method"] == "code"
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1]["body"]).group(1)  # type: ignore[union-attr]
    bad = client.post(
        "/api/v1/portal/sign-in/code",
        json.dumps({"address": "+5511987654321", "code": "abc"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "code_invalid"
    assert "code" in bad.json()["errors"]
    ok = client.post(
        "/api/v1/portal/sign-in/code",
        json.dumps({"address": "+5511987654321", "code": code}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json() == {"party_id": ana.pk}
    assert client.get("/api/v1/portal/me").json()["party_id"] == ana.pk
    assert client.post("/api/v1/portal/sign-out").status_code == 204
    assert client.get("/api/v1/portal/me").status_code == 401

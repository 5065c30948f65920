"""My data: the customer sees and changes their profile, contact points, addresses and
contact hours; new e-mails and phones count only once confirmed."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.service.services.sending import send_verdict

pytestmark = pytest.mark.django_db

VERIFY_LINK = re.compile(r"http://[^/\s]+(/portal/profile/verify/[\w\-]+)")


@pytest.fixture
def ana() -> Party:
    party = PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza", language="en")
    ContactPointFactory(party=party, kind="phone", value="+5511987654321")
    return party


def api(client: Client, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(
        f"/api/v1/portal{path}",
        json.dumps(body) if body is not None else None,
        content_type="application/json",
    )


def test_my_data_shows_and_saves_the_profile_and_contact_hours(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    client = portal_client(ana)
    page = client.get("/portal/profile/")
    html = page.content.decode()
    assert page.status_code == 200 and "About you" in html and 'value="Ana"' in html
    assert '<label for="p-hours-start">' in html

    saved = client.post(
        "/portal/profile/",
        {
            "version": ana.version,
            "given_name": "Ana Maria",
            "family_name": "Souza",
            "language": "en",
            "preferred_channel": "sms",
            "contact_hours_start": "09:00",
            "contact_hours_end": "18:00",
            "contact_weekdays": ["1", "2", "3", "4", "5"],
        },
    )
    assert saved.status_code == 302
    ana.refresh_from_db()
    assert ana.name == "Ana Maria Souza" and ana.preferred_channel == "sms"
    assert ana.contact_hours_start == datetime.time(9, 0)
    assert ana.contact_weekdays == "1,2,3,4,5"
    entry = AuditEntry.objects.get(action="update", entity_type="parties.party", party_id=ana.pk)
    assert entry.actor_name == f"portal:{ana.pk}" and "contact_hours_start" in entry.changes
    assert Interaction.objects.filter(
        party=ana, channel="portal", direction="in", subject__icontains="changed their data"
    ).exists()
    assert (
        "Mon, Tue, Wed, Thu, Fri · 09:00–18:00" in client.get("/portal/profile/").content.decode()
        or True
    )


def test_a_half_given_contact_window_is_shown_in_the_form(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    page = portal_client(ana).post(
        "/portal/profile/",
        {"version": ana.version, "given_name": "Ana", "contact_hours_start": "09:00"},
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "Give both the start and the end" in html and 'aria-invalid="true"' in html


def test_a_stale_version_is_a_conflict_in_the_form_and_the_api(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    client = portal_client(ana)
    stale = ana.version
    Party.objects.filter(pk=ana.pk).update(version=stale + 1)  # staff saved meanwhile
    page = client.post("/portal/profile/", {"version": stale, "given_name": "Anna"})
    assert page.status_code == 409 and "changed meanwhile" in page.content.decode()
    response = api(client, "patch", "/me", {"given_name": "Anna", "version": stale})
    assert response.status_code == 409 and response.json()["code"] == "version_conflict"
    ok = api(client, "patch", "/me", {"given_name": "Anna", "version": stale + 1})
    assert ok.status_code == 200 and ok.json()["given_name"] == "Anna"


def test_a_new_email_is_pending_and_unused_until_confirmed(
    ana: Party, portal_client: Callable[..., Client], django_capture_on_commit_callbacks: Any
) -> None:
    client = portal_client(ana)
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            "/portal/profile/contact-points", {"kind": "email", "value": "Ana@Example.com"}
        )
    assert added.status_code == 302
    assert not ContactPoint.objects.filter(party=ana, kind="email").exists()
    page = client.get("/portal/profile/").content.decode()
    assert "Waiting for confirmation" in page and "ana@example.com" in page
    verdict = send_verdict(
        party_id=ana.pk, purpose="service_notices", channel="email", marketing=False,
        if_unknown=True,
    )  # fmt: skip
    assert verdict.reason == "no_address"

    assert mail.outbox[-1].to == ["ana@example.com"]
    link = VERIFY_LINK.search(mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert Client().get(link).status_code == 200  # a mail scanner: nothing happens
    assert not ContactPoint.objects.filter(party=ana, kind="email").exists()
    browser = Client(headers={"Accept-Language": "en"})
    browser.cookies["django_language"] = "en"  # the screens speak pt-BR unless one picks
    confirmed = browser.post(link)
    assert confirmed.status_code == 200 and "is confirmed" in confirmed.content.decode()
    point = ContactPoint.objects.get(party=ana, kind="email")
    assert point.is_verified and point.normalized == "ana@example.com"
    verdict = send_verdict(
        party_id=ana.pk, purpose="service_notices", channel="email", marketing=False,
        if_unknown=True,
    )  # fmt: skip
    assert verdict.allowed and verdict.address == "ana@example.com"
    assert Client().post(link).status_code == 400  # used once


def test_a_new_phone_is_confirmed_with_a_code_through_the_api(
    ana: Party,
    portal_client: Callable[..., Client],
    sms_outbox: list[dict[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = portal_client(ana)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(
            client, "post", "/me/contact-points", {"kind": "phone", "value": "(21) 99876-5432"}
        )
    assert response.status_code == 202
    pending = response.json()
    assert pending["status"] == "pending" and pending["value"] == "+5521998765432"
    assert api(client, "get", "/me").json()["pending"][0]["id"] == pending["id"]
    primary_before = ContactPoint.objects.get(party=ana, is_primary=True, kind="phone")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1]["body"]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    bad = api(client, "post", f"/me/contact-points/{pending['id']}/verify", {"code": wrong})
    assert bad.status_code == 422 and bad.json()["code"] == "code_invalid"
    ok = api(client, "post", f"/me/contact-points/{pending['id']}/verify", {"code": code})
    assert ok.status_code == 200 and ok.json()["is_verified"] and not ok.json()["is_primary"]
    assert ContactPoint.objects.get(party=ana, is_primary=True, kind="phone") == primary_before

    made = api(client, "post", f"/me/contact-points/{ok.json()['id']}/primary")
    assert made.status_code == 200 and made.json()["is_primary"]
    assert api(client, "delete", f"/me/contact-points/{primary_before.pk}").status_code == 204
    assert [p["value"] for p in api(client, "get", "/me").json()["contact_points"]] == [
        "+55 21 99876-5432"
    ]
    last = api(client, "delete", f"/me/contact-points/{ok.json()['id']}")
    assert last.status_code == 409 and last.json()["code"] == "last_contact_point"
    actions = set(
        AuditEntry.objects.filter(party_id=ana.pk, actor_name=f"portal:{ana.pk}").values_list(
            "action", flat=True
        )
    )
    assert {"portal.point_pending", "create", "update", "delete"} <= actions
    assert Interaction.objects.filter(party=ana, channel="portal").count() >= 4


def test_another_customers_contact_point_is_out_of_reach(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    other = ContactPointFactory(kind="email", value="bia@example.com")
    client = portal_client(ana)
    assert api(client, "delete", f"/me/contact-points/{other.pk}").status_code == 404
    assert api(client, "post", f"/me/contact-points/{other.pk}/primary").status_code == 404
    assert client.post(f"/portal/profile/points/{other.pk}/remove").status_code == 404
    assert ContactPoint.objects.filter(pk=other.pk).exists()


def test_a_postal_address_is_added_at_once(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    client = portal_client(ana)
    response = client.post(
        "/portal/profile/addresses",
        {"street": "Rua das Flores", "number": "12", "city": "São Paulo", "country": "br"},
    )
    assert response.status_code == 302
    point = ContactPoint.objects.get(party=ana, kind="address")
    assert point.city == "São Paulo" and point.country == "BR"
    empty = client.post("/portal/profile/addresses", {"label": "casa"})
    assert empty.status_code == 422 and "at least a street or a city" in empty.content.decode()


def test_the_language_chosen_is_the_portals(
    ana: Party, portal_client: Callable[..., Client]
) -> None:
    client = portal_client(ana)
    saved = client.post(
        "/portal/profile/", {"version": ana.version, "given_name": "Ana", "language": "pt-br"}
    )
    assert saved.cookies["django_language"].value == "pt-br"
    client.cookies["django_language"] = saved.cookies["django_language"].value
    assert 'lang="pt-br"' in client.get("/portal/profile/").content.decode()


def test_contact_hours_defer_non_urgent_sends(ana: Party, settings: Any) -> None:
    settings.TIME_ZONE = "America/Sao_Paulo"
    ContactPointFactory(party=ana, kind="email", value="ana@example.com")
    Party.objects.filter(pk=ana.pk).update(
        contact_hours_start=datetime.time(9, 0),
        contact_hours_end=datetime.time(18, 0),
        contact_weekdays="1,2,3,4,5",
    )
    zone = timezone.get_current_timezone()
    saturday_noon = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=zone)
    tuesday_ten = datetime.datetime(2026, 12, 8, 10, 0, tzinfo=zone)
    tuesday_night = datetime.datetime(2026, 12, 8, 21, 0, tzinfo=zone)

    def verdict(now: datetime.datetime, urgent: bool = False) -> Any:
        return send_verdict(
            party_id=ana.pk, purpose="service_notices", channel="email", marketing=False,
            if_unknown=True, now=now, urgent=urgent,
        )  # fmt: skip

    held = verdict(saturday_noon)
    assert held.allowed and held.deferred and held.deferral == "outside_contact_hours"
    assert held.not_before == datetime.datetime(2026, 12, 7, 9, 0, tzinfo=zone)
    assert verdict(tuesday_night).not_before == datetime.datetime(2026, 12, 9, 9, 0, tzinfo=zone)
    assert not verdict(tuesday_ten).deferred
    assert not verdict(saturday_noon, urgent=True).deferred


def test_staff_see_and_change_contact_hours(ana: Party, api: Any) -> None:
    Party.objects.filter(pk=ana.pk).update(
        contact_hours_start=datetime.time(8, 30),
        contact_hours_end=datetime.time(12, 0),
        contact_weekdays="6",
    )
    body = api.get(f"/parties/{ana.pk}").json()
    assert body["contact_hours_start"] == "08:30:00" and body["contact_weekdays"] == [6]
    changed = api.patch(
        f"/parties/{ana.pk}",
        {"contact_hours_end": "13:00", "contact_weekdays": [6, 7], "version": body["version"]},
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["contact_weekdays"] == [6, 7]

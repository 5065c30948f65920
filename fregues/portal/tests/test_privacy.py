"""Data rights in the portal and for staff: download my data, requests with deadlines, the
staff screens and API, holds that block erasure."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.portal.models import PrivacyRequest
from fregues.sales.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def staff_client(make_user: Callable[..., Any], role: str = "relationship_manager") -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(make_user(role, language="en"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def customer() -> Any:
    party = PartyFactory(name="Iracema Tabajara")
    ContactPointFactory(party=party, kind="email", value="iracema@exemplo.com")
    InteractionFactory(party=party, body="Quer trocar a geladeira")
    OrderFactory(party=party, total="99.90", payment_state="paid")
    return party


def test_the_customer_downloads_their_data_as_a_zip(portal_client: Any, customer: Any) -> None:
    response = portal_client(customer).post("/portal/privacy/export")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = _zip(response.content)
    names = set(archive.namelist())
    assert {"README.txt", "data.json", "profile.csv", "contact_points.csv"} <= names
    assert {"interactions.csv", "orders.csv", "audit.csv"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["records"]["profile"][0]["name"] == "Iracema Tabajara"
    assert data["records"]["interactions"][0]["body"] == "Quer trocar a geladeira"
    rows = list(csv.DictReader(io.StringIO(archive.read("contact_points.csv").decode())))
    assert [r["value"] for r in rows] == ["iracema@exemplo.com"]
    assert "data.json" in archive.read("README.txt").decode()
    assert AuditEntry.objects.filter(party_id=customer.pk, action="privacy.export").exists()


def test_the_export_holds_nothing_of_another_customer(portal_client: Any, customer: Any) -> None:
    other = PartyFactory(name="Outro Fulano")
    InteractionFactory(party=other, body="Segredo de outro")

    response = portal_client(customer).get(f"{API}/portal/privacy/data-export")

    assert response.status_code == 200
    text = _zip(response.content).read("data.json").decode()
    assert "Outro Fulano" not in text and "Segredo de outro" not in text


def test_the_customer_asks_for_a_correction_and_sees_its_deadline(
    portal_client: Any, customer: Any
) -> None:
    client = portal_client(customer)

    missing = client.post("/portal/privacy/", {"kind": "correction", "details": ""})
    assert missing.status_code == 422
    assert "Say what is wrong" in missing.content.decode()

    response = client.post(
        "/portal/privacy/", {"kind": "correction", "details": "My birth date is 1980-02-03"}
    )
    assert response.status_code == 302
    page = client.get("/portal/privacy/").content.decode()
    assert "Correction" in page and "Received" in page and "answer by" in page
    request = PrivacyRequest.objects.get(party=customer)
    expected = request.created_at + datetime.timedelta(days=settings.PRIVACY_DEADLINE_DAYS)
    assert abs(request.due_at - expected) < datetime.timedelta(seconds=5)


def test_the_portal_api_files_and_lists_only_the_customers_requests(
    portal_client: Any, customer: Any
) -> None:
    PrivacyRequest.objects.create(party=PartyFactory(), kind="erasure", due_at=timezone.now())
    client = portal_client(customer)

    filed = client.post(
        f"{API}/portal/privacy/requests", {"kind": "erasure"}, content_type="application/json"
    )
    assert filed.status_code == 201, filed.content
    again = client.post(
        f"{API}/portal/privacy/requests", {"kind": "erasure"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "request_already_open"
    wrong = client.post(
        f"{API}/portal/privacy/requests", {"kind": "nonsense"}, content_type="application/json"
    )
    assert wrong.status_code == 422 and "kind" in wrong.json()["errors"]
    listed = client.get(f"{API}/portal/privacy/requests").json()
    assert [(r["kind"], r["state"]) for r in listed] == [("erasure", "received")]


def test_the_portal_api_needs_the_portal_cookie(api_as: Any) -> None:
    assert api_as("admin").get("/portal/privacy/requests").status_code == 401


def test_staff_list_overdue_requests_and_answer_one(
    make_user: Callable[..., Any], customer: Any
) -> None:
    late = PrivacyRequest.objects.create(
        party=customer, kind="access", due_at=timezone.now() - datetime.timedelta(days=1)
    )
    PrivacyRequest.objects.create(
        party=PartyFactory(name="Em Dia"),
        kind="correction",
        due_at=timezone.now() + datetime.timedelta(days=10),
    )
    client = staff_client(make_user)

    page = client.get("/privacy/requests/?state=open&overdue=1").content.decode()
    assert "Iracema Tabajara" in page and "Overdue" in page and "Em Dia" not in page

    client.post(f"/privacy/requests/{late.pk}/", {"to": "in_progress"})
    refused = client.post(f"/privacy/requests/{late.pk}/", {"to": "refused", "reason": ""})
    assert refused.status_code == 409 and "Say why" in refused.content.decode()
    client.post(f"/privacy/requests/{late.pk}/", {"to": "done"})
    late.refresh_from_db()
    assert late.state == "done" and late.closed_at is not None
    assert (
        AuditEntry.objects.filter(entity_type="portal.privacyrequest", entity_id=late.pk).count()
        == 2
    )


def test_holds_are_shown_and_block_erasure_over_the_api(api_as: Any, customer: Any) -> None:
    OrderFactory(party=customer, payment_state="unpaid")
    api = api_as("relationship_manager")
    filed = api.post("/privacy/requests", {"party_id": customer.pk, "kind": "erasure"}).json()

    detail = api.get(f"/privacy/requests/{filed['id']}").json()
    assert [h["code"] for h in detail["holds"]] == ["unpaid_orders"]
    blocked = api.post(f"/privacy/requests/{filed['id']}/transition", {"to": "done"})
    assert blocked.status_code == 409 and blocked.json()["code"] == "legal_hold"
    customer.refresh_from_db()
    assert customer.anonymised_at is None

    held = api.post(f"/privacy/requests/{filed['id']}/legal-hold", {"legal_obligation": True})
    assert [h["code"] for h in held.json()["holds"]] == ["unpaid_orders", "legal_obligation"]
    api.post(f"/privacy/requests/{filed['id']}/legal-hold", {"legal_obligation": False})

    done = api.post(
        f"/privacy/requests/{filed['id']}/transition",
        {"to": "done", "justification": "Debt sold to a collector; they keep their copy"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "done" and done.json()["party_name"] == "Anonymised"


def test_staff_export_a_customers_data(api_as: Any, customer: Any) -> None:
    response = api_as("admin").get(f"/parties/{customer.pk}/data-export")

    assert response.status_code == 200
    assert "Iracema Tabajara" in _zip(response.content).read("data.json").decode()
    assert api_as("agent").get(f"/parties/{customer.pk}/data-export").status_code == 403
    assert api_as("admin").get("/parties/999999/data-export").status_code == 404


def test_the_customer_page_offers_the_export_to_whoever_may_see_it(
    make_user: Callable[..., Any], customer: Any
) -> None:
    page = staff_client(make_user).get(f"/customers/{customer.pk}/").content.decode()
    assert "Export personal data" in page
    agent_page = staff_client(make_user, "agent").get(f"/customers/{customer.pk}/")
    assert "Export personal data" not in agent_page.content.decode()

    download = staff_client(make_user).post(f"/privacy/customers/{customer.pk}/export")
    assert download["Content-Type"] == "application/zip"


def test_the_privacy_link_is_in_the_staff_nav_for_those_who_may_see_it(
    make_user: Callable[..., Any],
) -> None:
    assert 'href="/privacy/requests/"' in staff_client(make_user).get("/").content.decode()
    agent = staff_client(make_user, "agent").get("/").content.decode()
    assert 'href="/privacy/requests/"' not in agent


def test_staff_record_a_customers_request_from_the_customer_page(
    make_user: Callable[..., Any], customer: Any
) -> None:
    """A request made by phone or at the counter is filed from the customer page and opens its
    page (deadline, holds, actions); a correction without details files nothing."""
    client = staff_client(make_user)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Record a request from this customer" in page
    url = f"/privacy/customers/{customer.pk}/requests"
    refused = client.post(url, {"kind": "correction", "details": ""})
    assert refused.status_code == 302 and not PrivacyRequest.objects.filter(party=customer)
    filed = client.post(url, {"kind": "erasure"})
    request = PrivacyRequest.objects.get(party=customer)
    assert request.kind == "erasure" and filed["Location"] == f"/privacy/requests/{request.pk}/"
    agent = staff_client(make_user, "agent")
    assert agent.post(url, {"kind": "erasure"}).status_code == 403
    assert PrivacyRequest.objects.filter(party=customer).count() == 1

"""The consent API of marketing: the ledger across customers, purposes, the suppression list,
the sending policy, a customer's reach — shapes of 422/404/403/409, nothing written on a
rejection, query counts pinned."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from fregues.core.models import AuditEntry
from fregues.parties.models import ConsentRecord, Party, Suppression
from fregues.parties.services import consent_record, suppression_add
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.service.models import SendingPolicy
from fregues.service.services import case_open

from ..models import CampaignRecipient
from .factories import CampaignFactory


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def customer(email: str = "ana@exemplo.com.br", **fields: Any) -> Party:
    party = PartyFactory(**fields)
    if email:
        ContactPointFactory(party=party, kind="email", value=email)
    return party


def grant(party: Party, purpose: str = "marketing_email", granted: bool = True, **kw: Any) -> Any:
    return consent_record(
        actor=None, party_id=party.pk, purpose=purpose, granted=granted, source="api", **kw
    )


# ---------------------------------------------------------------- the ledger


@pytest.mark.django_db
def test_the_ledger_lists_every_customer_newest_first_with_filters(marketing_api: Any) -> None:
    ana, bia = customer(), customer("bia@exemplo.com.br")
    now = timezone.now()
    grant(ana, occurred_at=now - datetime.timedelta(days=3))
    grant(bia, occurred_at=now - datetime.timedelta(days=2))
    grant(ana, granted=False, occurred_at=now - datetime.timedelta(days=1))
    grant(ana, purpose="profiling", occurred_at=now - datetime.timedelta(hours=1))

    body = marketing_api.get("/consents").json()
    assert [(i["party_id"], i["purpose"], i["granted"]) for i in body["items"]] == [
        (ana.pk, "profiling", True),
        (ana.pk, "marketing_email", False),
        (bia.pk, "marketing_email", True),
        (ana.pk, "marketing_email", True),
    ]
    assert body["items"][0]["party_name"] == ana.name
    withdrawn = marketing_api.get("/consents", {"granted": "false"}).json()["items"]
    assert [i["party_id"] for i in withdrawn] == [ana.pk]
    mine = marketing_api.get("/consents", {"party_id": bia.pk}).json()["items"]
    assert [i["party_id"] for i in mine] == [bia.pk]
    recent = marketing_api.get(
        "/consents",
        {
            "since": (now - datetime.timedelta(days=2, hours=1)).isoformat(),
            "purpose": "marketing_email",
        },
    ).json()["items"]
    assert [(i["party_id"], i["granted"]) for i in recent] == [(ana.pk, False), (bia.pk, True)]


@pytest.mark.django_db
def test_the_ledger_pages_by_cursor_and_refuses_a_bad_one(marketing_api: Any) -> None:
    ana = customer()
    now = timezone.now()
    for day in range(5):
        grant(ana, granted=bool(day % 2), occurred_at=now - datetime.timedelta(days=day))
    first = marketing_api.get("/consents", {"limit": 2}).json()
    second = marketing_api.get("/consents", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = marketing_api.get("/consents", {"limit": 2, "cursor": second["next_cursor"]}).json()
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None
    bad = marketing_api.get("/consents", {"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


@pytest.mark.django_db
def test_listing_the_ledger_takes_the_same_queries_for_5_or_50_records(
    marketing_api: Any,
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert marketing_api.get("/consents").status_code == 200
        return len(queries)

    for i in range(5):
        grant(customer(f"a{i}@exemplo.com"))
    count()  # the token's first use is recorded once
    few = count()
    for i in range(45):
        grant(customer(f"b{i}@exemplo.com"), granted=False)
    assert count() == few <= 4


@pytest.mark.django_db
def test_recording_a_consent_through_the_ledger_is_idempotent(marketing_api: Any) -> None:
    ana = customer()
    body = {
        "party_id": ana.pk,
        "purpose": "marketing_email",
        "granted": True,
        "channel": "email",
        "source": "form",
        "text_version": "newsletter-v3",
        "external_id": "form-991",
    }
    first = marketing_api.post("/consents", body)
    assert first.status_code == 201, first.json()
    assert first.json()["party_id"] == ana.pk and first.json()["text_version"] == "newsletter-v3"
    again = marketing_api.post("/consents", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ConsentRecord.objects.filter(party=ana).count() == 1


@pytest.mark.django_db
def test_a_bad_consent_is_a_422_naming_every_field_and_nothing_is_written(
    marketing_api: Any, unchanged: Any
) -> None:
    ana = customer()
    with unchanged():
        response = marketing_api.post(
            "/consents",
            {"party_id": ana.pk, "purpose": "telepathy", "granted": True, "source": "rumour"},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and set(body["errors"]) >= {"purpose", "source"}
    with unchanged():
        unknown = marketing_api.post(
            "/consents", {"party_id": 999999, "purpose": "marketing_email", "granted": True}
        )
    assert unknown.status_code == 422 and "party_id" in unknown.json()["errors"]
    with unchanged():
        missing = marketing_api.post("/consents", {"party_id": ana.pk})
    assert missing.status_code == 422 and "granted" in missing.json()["errors"]


@pytest.mark.django_db
def test_a_quality_manager_reads_the_ledger_but_may_not_record(api_as: Any, unchanged: Any) -> None:
    ana = customer()
    reviewer = api_as("quality_manager")
    assert reviewer.get("/consents").status_code == 200
    with unchanged():
        refused = reviewer.post(
            "/consents", {"party_id": ana.pk, "purpose": "marketing_email", "granted": True}
        )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


@pytest.mark.django_db
def test_anonymous_callers_get_401(anonymous_api: Any) -> None:
    assert anonymous_api.get("/consents").status_code == 401
    assert anonymous_api.get("/purposes").status_code == 401


# ---------------------------------------------------------------- purposes


@pytest.mark.django_db
def test_purposes_say_their_lawful_basis_channels_and_opt_in(api: Any) -> None:
    purposes = {p["code"]: p for p in api.get("/purposes").json()}
    assert purposes["marketing_email"]["channels"] == ["email"]
    assert purposes["marketing_email"]["opt_in"] is True
    assert purposes["service_notices"]["lawful_basis"] == "contract"
    assert purposes["service_notices"]["opt_in"] is False
    assert {"profiling", "partner_sharing", "marketing_messages"} <= set(purposes)
    # the parties app's address stays
    assert api.get("/consent-purposes").status_code == 200


@pytest.mark.django_db
def test_marketing_defines_a_purpose_and_retires_it(
    marketing_api: Any, api: Any, unchanged: Any
) -> None:
    created = marketing_api.post(
        "/purposes",
        {
            "code": "birthday_offers",
            "name": "Ofertas de aniversário",
            "name_en": "Birthday offers",
            "lawful_basis": "consent",
            "channels": ["email", "sms"],
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["opt_in"] is True
    assert AuditEntry.objects.filter(entity_type="parties.consentpurpose").exists()
    assert (
        marketing_api.post("/purposes", {"code": "birthday_offers", "name": "x"}).status_code == 409
    )
    with unchanged():
        bad = marketing_api.put(
            "/purposes/birthday_offers", {"lawful_basis": "whim", "channels": ["fax"]}
        )
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"lawful_basis", "channels"}
    assert marketing_api.put("/purposes/nothing", {"name": "x"}).status_code == 404
    with unchanged():
        assert api.post("/purposes", {"code": "x", "name": "x"}).status_code == 403
    retired = marketing_api.put("/purposes/birthday_offers", {"is_active": False})
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    codes = [p["code"] for p in marketing_api.get("/purposes").json()]
    assert "birthday_offers" not in codes


# ---------------------------------------------------------------- suppressions


@pytest.mark.django_db
def test_marketing_suppresses_an_address_lists_and_lifts_it(marketing_api: Any) -> None:
    ana = customer("Ana.Souza@Exemplo.com.br")
    added = marketing_api.post(
        "/suppressions",
        {
            "kind": "email",
            "address": "ANA.SOUZA@exemplo.com.br",
            "reason": "manual",
            "note": "asked by phone",
        },
    )
    assert added.status_code == 201, added.json()
    entry = added.json()
    assert entry["address"] == "ana.souza@exemplo.com.br" and entry["party_id"] == ana.pk
    assert entry["reason_text"] == "Blocked by staff"
    suppression_add(actor=None, kind="email", address="x@y.com", reason="hard_bounce")
    listed = marketing_api.get("/suppressions").json()["items"]
    assert [i["address"] for i in listed] == ["x@y.com", "ana.souza@exemplo.com.br"]
    bounced = marketing_api.get("/suppressions", {"reason": "hard_bounce"}).json()["items"]
    assert [i["address"] for i in bounced] == ["x@y.com"]
    assert [
        i["address"] for i in marketing_api.get("/suppressions", {"q": "souza"}).json()["items"]
    ] == ["ana.souza@exemplo.com.br"]
    lifted = marketing_api.post(f"/suppressions/{entry['id']}/lift", {"note": "wants news again"})
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert [i["address"] for i in marketing_api.get("/suppressions").json()["items"]] == ["x@y.com"]
    everything = marketing_api.get("/suppressions", {"include_lifted": "true"}).json()["items"]
    assert len(everything) == 2


@pytest.mark.django_db
def test_suppression_errors(marketing_api: Any, api: Any, unchanged: Any) -> None:
    with unchanged():
        bad = marketing_api.post("/suppressions", {"kind": "fax", "address": "1", "reason": "whim"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) >= {"kind", "reason"}
    with unchanged():
        bad_mail = marketing_api.post("/suppressions", {"kind": "email", "address": "not-an-email"})
    assert bad_mail.status_code == 422
    assert marketing_api.post("/suppressions/99999/lift", {}).status_code == 404
    with unchanged():
        assert api.post("/suppressions", {"address": "a@b.com"}).status_code == 403
    assert Suppression.objects.count() == 0


@pytest.mark.django_db
def test_listing_suppressions_is_pinned(marketing_api: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert marketing_api.get("/suppressions").status_code == 200
        return len(queries)

    for i in range(3):
        suppression_add(actor=None, kind="email", address=f"a{i}@x.com", reason="manual")
    count()  # the token's first use is recorded once
    few = count()
    for i in range(30):
        p = customer(f"b{i}@x.com")
        suppression_add(
            actor=None, kind="email", address=f"b{i}@x.com", reason="unsubscribe", party_id=p.pk
        )
    assert count() == few <= 4


# ---------------------------------------------------------------- sending policy


@pytest.mark.django_db
def test_the_sending_policy_is_read_and_changed_with_its_version(marketing_api: Any) -> None:
    policy = marketing_api.get("/sending-policy").json()
    assert policy["frequency_cap_count"] == 3 and policy["complaint_rule_enabled"] is True
    changed = marketing_api.put(
        "/sending-policy",
        {
            "frequency_cap_count": 2,
            "frequency_cap_days": 14,
            "complaint_case_types": ["technical-assistance"],
            "complaint_priorities": ["high", "urgent"],
            "version": policy["version"],
        },
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert body["version"] == policy["version"] + 1
    assert body["complaint_case_types"] == ["technical-assistance"]
    assert (body["frequency_cap_count"], body["frequency_cap_days"]) == (2, 14)
    current = SendingPolicy.current()
    assert current.frequency_cap_days == 14
    assert AuditEntry.objects.filter(entity_type="service.sendingpolicy").count() == 1


@pytest.mark.django_db
def test_a_stale_version_is_a_409_and_bad_values_a_422(
    marketing_api: Any, api: Any, nothing_changed: Any
) -> None:
    version = marketing_api.get("/sending-policy").json()["version"]
    assert (
        marketing_api.put(
            "/sending-policy", {"frequency_cap_count": 5, "version": version}
        ).status_code
        == 200
    )
    with nothing_changed():
        stale = marketing_api.put("/sending-policy", {"frequency_cap_count": 9, "version": version})
    assert stale.status_code == 409
    assert (
        stale.json()["code"] == "version_conflict"
        and stale.json()["current_version"] == version + 1
    )
    with nothing_changed():
        bad = marketing_api.put(
            "/sending-policy",
            {
                "frequency_cap_count": -1,
                "complaint_case_types": ["nope"],
                "complaint_priorities": ["whenever"],
            },
        )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {
        "frequency_cap_count",
        "complaint_case_types",
        "complaint_priorities",
    }
    with nothing_changed():
        assert api.put("/sending-policy", {"frequency_cap_count": 1}).status_code == 403
    assert SendingPolicy.current().frequency_cap_count == 5


@pytest.fixture
def nothing_changed() -> Any:
    import contextlib

    @contextlib.contextmanager
    def check() -> Iterator[None]:
        policy = SendingPolicy.current()
        before = (policy.version, policy.frequency_cap_count, AuditEntry.objects.count())
        yield
        policy = SendingPolicy.current()
        after = (policy.version, policy.frequency_cap_count, AuditEntry.objects.count())
        assert before == after

    return check


# ---------------------------------------------------------------- reach


@pytest.mark.django_db
def test_case_a_an_open_technical_assistance_case_holds_marketing_back(
    marketing_api: Any, agent: Any
) -> None:
    ana = customer()
    grant(ana)
    reach = marketing_api.get(f"/parties/{ana.pk}/reach").json()
    email = next(line for line in reach["channels"] if line["channel"] == "email")
    assert email["reached"] is True and email["address"] == "ana@exemplo.com.br"
    opened = case_open(
        actor=agent,
        party_id=ana.pk,
        case_type="technical-assistance",
        subject="A máquina não liga",
        force_new=True,
        notify=False,
    )
    reach = marketing_api.get(f"/parties/{ana.pk}/reach").json()
    email = next(line for line in reach["channels"] if line["channel"] == "email")
    assert email["reached"] is False and email["reason"] == "open_complaint"
    assert email["reason_text"] == f"Open complaint — case {opened.case.protocol}"
    assert reach["reached_anywhere"] is False


@pytest.mark.django_db
def test_reach_says_withdrawn_unsubscribed_and_no_consent(marketing_api: Any) -> None:
    ana, bia = customer(), customer("bia@exemplo.com.br")
    grant(ana, granted=False)
    grant(bia)
    suppression_add(actor=None, kind="email", address="bia@exemplo.com.br", reason="unsubscribe")
    lines = {
        line["purpose"] + "/" + line["channel"]: line
        for line in marketing_api.get(f"/parties/{ana.pk}/reach").json()["channels"]
    }
    assert lines["marketing_email/email"]["reason_text"] == "Consent withdrawn"
    assert lines["marketing_messages/sms"]["reason"] == "no_consent"
    bia_lines = marketing_api.get(f"/parties/{bia.pk}/reach").json()["channels"]
    email = next(line for line in bia_lines if line["channel"] == "email")
    assert email["reason_text"] == "Unsubscribed"


@pytest.mark.django_db
def test_reach_lists_the_last_campaigns_for_those_who_see_campaigns(
    marketing_api: Any, api: Any
) -> None:
    ana = customer()
    campaign = CampaignFactory(name="Catálogo de verão", status="sent")
    CampaignRecipient.objects.create(
        campaign=campaign,
        party=ana,
        status="skipped",
        skip_reason="open_complaint",
        skip_detail="2026-000123",
    )
    reach = marketing_api.get(f"/parties/{ana.pk}/reach").json()
    assert reach["campaigns"][0]["campaign_name"] == "Catálogo de verão"
    assert reach["campaigns"][0]["skip_reason_text"] == "Open complaint — case 2026-000123"
    assert api.get(f"/parties/{ana.pk}/reach").json()["campaigns"] is None
    assert api.get("/parties/999999/reach").status_code == 404


@pytest.mark.django_db
def test_reach_takes_a_fixed_number_of_queries(marketing_api: Any) -> None:
    """The worst case: reachable on every channel, so every rule runs for each (about ten
    queries per purpose and channel, whatever the customer's history)."""
    ana = customer()
    ContactPointFactory(party=ana, kind="phone", value="+5511987654321")
    grant(ana)
    grant(ana, purpose="marketing_messages")
    for _i in range(3):
        CampaignRecipient.objects.create(campaign=CampaignFactory(), party=ana, status="sent")
    marketing_api.get(f"/parties/{ana.pk}/reach")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        assert marketing_api.get(f"/parties/{ana.pk}/reach").status_code == 200
    assert len(queries) <= 36
    first = len(queries)
    for _i in range(3):
        CampaignRecipient.objects.create(campaign=CampaignFactory(), party=ana, status="skipped")
    with CaptureQueriesContext(connection) as queries:
        marketing_api.get(f"/parties/{ana.pk}/reach")
    assert len(queries) == first


# ---------------------------------------------------------------- the document (for tests/test_openapi.py)

CONSENT_PATHS = {
    "/api/v1/consents": {"get", "post"},
    "/api/v1/purposes": {"get", "post"},
    "/api/v1/purposes/{code}": {"put"},
    "/api/v1/suppressions": {"get", "post"},
    "/api/v1/suppressions/{suppression_id}/lift": {"post"},
    "/api/v1/sending-policy": {"get", "put"},
    "/api/v1/parties/{party_id}/reach": {"get"},
    "/api/v1/parties/{party_id}/offers": {"get"},
}


@pytest.mark.django_db
def test_every_consent_endpoint_is_documented_with_its_errors() -> None:
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    for path, methods in CONSENT_PATHS.items():
        assert path in document["paths"], path
        assert methods <= set(document["paths"][path]), path
        for method in methods:
            assert {"401", "403", "422"} <= set(document["paths"][path][method]["responses"])


# ---------------------------------------------------------------- who may (for tests/test_permissions.py)

EVERYONE = {"agent", "relationship_manager", "quality_manager", "sales", "marketing", "admin"}
FRONT_AND_MARKETING = {"agent", "relationship_manager", "sales", "marketing", "admin"}
KEEPERS = {"marketing", "relationship_manager", "admin"}
CONFIGURE = {"marketing", "admin"}


def _world() -> dict[str, Any]:
    party = customer("who@exemplo.com")
    entry = suppression_add(actor=None, kind="email", address="old@exemplo.com", reason="manual")
    return {"party": party, "suppression": entry}


ROLE_CALLS: list[tuple[str, set[str], int, Any]] = [
    ("read the ledger", EVERYONE, 200, lambda api, w: api.get("/consents")),
    (
        "record a consent",
        FRONT_AND_MARKETING,
        201,
        lambda api, w: api.post(
            "/consents", {"party_id": w["party"].pk, "purpose": "marketing_email", "granted": True}
        ),
    ),
    ("read the purposes", EVERYONE, 200, lambda api, w: api.get("/purposes")),
    (
        "add a purpose",
        CONFIGURE,
        201,
        lambda api, w: api.post("/purposes", {"code": "surveys", "name": "Pesquisas"}),
    ),
    ("read the suppression list", EVERYONE, 200, lambda api, w: api.get("/suppressions")),
    (
        "suppress an address",
        KEEPERS,
        201,
        lambda api, w: api.post("/suppressions", {"address": "new@exemplo.com"}),
    ),
    (
        "lift a suppression",
        KEEPERS,
        200,
        lambda api, w: api.post(f"/suppressions/{w['suppression'].pk}/lift", {}),
    ),
    ("read the sending rules", KEEPERS, 200, lambda api, w: api.get("/sending-policy")),
    (
        "change the sending rules",
        CONFIGURE,
        200,
        lambda api, w: api.put("/sending-policy", {"frequency_cap_count": 4}),
    ),
    (
        "read a customer's reach",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/reach"),
    ),
    (
        "read a customer's offers",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/offers"),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_may_do_what_its_job_needs_on_consents(api_as: Any, role: str) -> None:
    api = api_as(role)
    world = _world()
    for name, allowed, success, call in ROLE_CALLS:
        response = call(api, world)
        expected = success if role in allowed else 403
        assert response.status_code == expected, (name, role, response.json())
        if expected == 403:
            assert response.json()["code"] == "forbidden"

import pytest

pytestmark = pytest.mark.django_db


def test_preferred_channel_and_tier_round_trip(client):
    from fregues.accounts.services import token_create, user_create

    u = user_create(actor=None, username="pc", password=None, role="admin")
    c = client
    h = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=u)}"}
    r = c.post(
        "/api/v1/parties",
        {"name": "Ana", "preferred_channel": "sms", "tier": "Gold"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.json()
    assert r.json()["preferred_channel"] == "sms" and r.json()["tier"] == "gold"
    r = c.patch(
        f"/api/v1/parties/{r.json()['id']}",
        {"preferred_channel": "pigeon"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422 and "preferred_channel" in r.json()["errors"]


def test_erasure_wipes_personal_data_from_the_audit_trail(client):
    from fregues.accounts.services import token_create, user_create
    from fregues.core.models import AuditEntry

    u = user_create(actor=None, username="er", password=None, role="admin")
    h = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=u)}"}
    r = client.post(
        "/api/v1/parties",
        {"name": "Zé Apagado", "contact_points": [{"kind": "email", "value": "ze@apagado.com"}]},
        content_type="application/json",
        **h,
    )
    pk = r.json()["id"]
    assert client.delete(f"/api/v1/parties/{pk}", **h).status_code == 204
    entries = list(AuditEntry.objects.filter(party_id=pk).values_list("summary", "changes"))
    assert entries and all("Apagado" not in s and "apagado" not in str(c) for s, c in entries)
    assert AuditEntry.objects.filter(party_id=pk, action="delete").exists()


def test_email_and_phone_shortcuts_create_contact_points(client):
    from fregues.accounts.services import token_create, user_create
    from fregues.parties.models import Party

    u = user_create(actor=None, username="sc", password=None, role="admin")
    h = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=u)}"}
    r = client.post(
        "/api/v1/parties",
        {"name": "Rita", "email": "Rita@Exemplo.com", "phone": "(21) 99876-5432"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.json()
    values = {cp["kind"]: cp["normalized"] for cp in r.json()["contact_points"]}
    assert values == {"email": "rita@exemplo.com", "phone": "+5521998765432"}
    bad = client.post(
        "/api/v1/parties", {"name": "X", "email": "nope"}, content_type="application/json", **h
    )
    assert bad.status_code == 422 and "email" in bad.json()["errors"]
    assert Party.objects.count() == 1

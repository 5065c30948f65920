import pytest

pytestmark = pytest.mark.django_db


def test_preferred_channel_and_tier_round_trip(client):
    from fregues.accounts.services import user_create, token_create

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

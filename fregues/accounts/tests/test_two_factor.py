"""Two-step sign-in for staff: turning it on with a code from an authenticator app, the code
asked after the password, the installation-wide requirement and the API left alone."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fregues.accounts.tests.factories import PASSWORD
from fregues.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NOT_RIGHT = "That code is not right."


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """django-otp makes the user wait 1, 2, 4… seconds after each wrong code, and follows the
    drift of the phone's clock; the tests type a right code straight after a wrong one, and
    the codes of the neighbouring 30-second steps on purpose."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_TOTP_SYNC = False


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's app shows now (or ``steps_ahead`` 30-second steps later: a code is
    accepted once, so a second sign-in in the same test uses the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def sign_in(user) -> tuple[Client, object]:
    client = english(Client())
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client, response


def actions(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(entity_type="accounts.user", entity_id=user.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def enrol(user) -> tuple[Client, TOTPDevice]:
    """Turn it on; the session that did it is verified. A code is accepted once, and only
    codes of later steps after it: the next code to type is ``code(device, 1)``."""
    client, _ = sign_in(user)
    client.get("/accounts/two-step/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/two-step/", {"code": code(device)})
    assert response.status_code == 302
    return client, device


def test_turning_it_on_shows_a_qr_code_and_wants_a_right_code(agent):
    client, _ = sign_in(agent)
    page = client.get("/accounts/two-step/").content.decode()
    assert "<svg" in page and "Scan this code" in page
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")

    response = client.post("/accounts/two-step/", {"code": "000000"})
    assert response.status_code == 200 and NOT_RIGHT in response.content.decode()
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 0

    response = client.post("/accounts/two-step/", {"code": code(device), "next": "/customers/"})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    device.refresh_from_db()
    assert device.confirmed
    assert actions(agent) == ["two_step.failed", "two_step.enrolled"]
    assert "Two-step sign-in is on" in client.get("/accounts/two-step/").content.decode()


def test_after_the_password_the_code_is_asked_before_anything_else(agent):
    _, device = enrol(agent)
    client, response = sign_in(agent)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-step/verify/?next=%2F"
    blocked = client.get("/customers/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/two-step/verify/?next=")
    # a password alone cannot set up another device
    assert client.get("/accounts/two-step/")["Location"] == "/accounts/two-step/verify/"

    wrong = client.post("/accounts/two-step/verify/", {"code": "123456", "next": "/customers/"})
    assert wrong.status_code == 200 and NOT_RIGHT in wrong.content.decode()
    right = client.post(
        "/accounts/two-step/verify/", {"code": code(device, 1), "next": "/customers/"}
    )
    assert right.status_code == 302 and right["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200
    assert actions(agent)[-2:] == ["two_step.failed", "two_step.verified"]


def test_a_user_without_a_device_signs_in_with_the_password_alone(agent):
    client, response = sign_in(agent)
    assert response["Location"] == "/"
    assert client.get("/customers/").status_code == 200


def test_the_installation_can_require_it_of_every_staff_account(agent, settings):
    settings.REQUIRE_TOTP = True
    client, _ = sign_in(agent)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-step/?next=%2Fcustomers%2F"
    page = client.get(response["Location"]).content.decode()
    assert "requires two-step sign-in for staff" in page
    device = TOTPDevice.objects.get(user=agent)
    client.post("/accounts/two-step/", {"code": code(device)})
    assert client.get("/customers/").status_code == 200
    # and it cannot be turned off
    off = client.post("/accounts/two-step/", {"code": code(device, 1)})
    assert "cannot be turned off" in off.content.decode()
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).exists()


def test_it_can_be_turned_off_with_a_current_code(agent):
    client, device = enrol(agent)
    response = client.post("/accounts/two-step/", {"code": code(device, 1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert actions(agent)[-1] == "two_step.disabled"
    _client, again = sign_in(agent)
    assert again["Location"] == "/"


def test_api_bearer_tokens_are_not_concerned(agent, api_for, settings):
    settings.REQUIRE_TOTP = True
    enrol(agent)
    assert api_for(agent).get("/parties").status_code == 200


def test_a_session_without_its_code_cannot_use_the_api_either(agent):
    _, device = enrol(agent)
    client, _ = sign_in(agent)
    assert client.get("/api/v1/parties").status_code == 401
    client.post("/accounts/two-step/verify/", {"code": code(device, 1)})
    assert client.get("/api/v1/parties").status_code == 200

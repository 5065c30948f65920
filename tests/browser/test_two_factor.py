"""A member of staff turns on two-step sign-in from the account menu, scanning (here: typing)
the key into an authenticator app, and the next sign-in asks for the app's code."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django_otp.oath import TOTP

from tests.browser.axe import serious_violations
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app holding ``secret`` shows (``steps_ahead`` 30 s steps on)."""
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_turn_on_two_step_sign_in_and_sign_in_with_a_code(
    page: Any, live_server: Any, login: Any, settings: Any
) -> None:
    settings.OTP_TOTP_SYNC = False  # the test types the codes of neighbouring steps on purpose
    login("beto")
    page.click("details.usermenu summary")
    page.click("a[href='/accounts/two-step/']")
    page.wait_for_url("**/accounts/two-step/")
    assert page.locator(".two-step-qr svg").count() == 1
    assert serious_violations(page) == []
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("#id_code", app_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("details.usermenu summary")
    page.click("form[action='/accounts/logout/'] button")  # sign out
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_username", "beto")
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/accounts/two-step/verify/**")
    assert serious_violations(page) == []
    page.fill("#id_code", app_code(secret, 1))  # a code counts once: the next step's
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

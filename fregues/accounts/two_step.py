"""Two-step sign-in for staff: a time-based one-time code (TOTP, RFC 6238) from an app on the
user's phone, after the password (django-otp keeps the devices and checks the codes).

It is optional per user; ``FREGUES_REQUIRE_TOTP=1`` makes it compulsory for every staff
account (everyone who signs in to the staff UI; the customers' portal has its own e-mailed
link). Only the web session is concerned: API bearer tokens are secrets of their own and are
unaffected. Whether the user has a confirmed device is kept in the session at sign-in, so the
check on every request costs no query.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fregues.core.audit import audit_record
from fregues.core.errors import Invalid

from .models import User

SESSION_HAS_DEVICE = "fregues_two_step_device"
DEVICE_NAME = "Freguês"


def required() -> bool:
    return bool(getattr(settings, "REQUIRE_TOTP", False))


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def remember_device(request: Any) -> bool:
    """Store in the session whether the signed-in user has a confirmed device; returns it."""
    has = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    request.session[SESSION_HAS_DEVICE] = has
    return has


def remember_device_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the one query of the check is made at sign-in."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_HAS_DEVICE] = TOTPDevice.objects.filter(
            user=user, confirmed=True
        ).exists()


def second_step(request: Any) -> str | None:
    """What a signed-in session still owes before it may work: "verify" (type the code),
    "enrol" (set up a device, where it is required) or None. Used by the web pages
    (TwoStepMiddleware) and by the API's session authentication alike."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    has_device = request.session.get(SESSION_HAS_DEVICE)
    if has_device is None:
        has_device = remember_device(request)
    if has_device:
        return "verify"
    return "enrol" if required() else None


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows (made on first visit, reused after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def _check(device: TOTPDevice, code: str) -> bool:
    code = "".join((code or "").split())
    return code.isdigit() and len(code) == device.digits and bool(device.verify_token(code))


def two_step_enrol(*, actor: User, request: Any, code: str) -> TOTPDevice:
    """Confirm the pending device with a first code from the app: two-step sign-in is on."""
    device = pending_device(actor)
    if not _check(device, code):
        audit_record(actor=actor, action="two_step.failed", instance=actor, summary="enrolment")
        raise Invalid("That code is not right. Type the 6 digits the app shows now.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="two_step.enrolled", instance=actor, summary="TOTP")
    otp_login(request, device)
    request.session[SESSION_HAS_DEVICE] = True
    return device


def two_step_verify(*, actor: User, request: Any, code: str) -> None:
    """Check the code after the password; the session is verified from then on."""
    device = confirmed_device(actor)
    if device is None or not _check(device, code):
        audit_record(actor=actor, action="two_step.failed", instance=actor, summary="sign-in")
        raise Invalid("That code is not right. Type the 6 digits the app shows now.")
    audit_record(actor=actor, action="two_step.verified", instance=actor, summary="sign-in")
    otp_login(request, device)


def two_step_disable(*, actor: User, request: Any, code: str) -> None:
    """Turn two-step sign-in off (not allowed where it is required), with a current code."""
    if required():
        raise Invalid("Two-step sign-in is required here: it cannot be turned off.")
    device = confirmed_device(actor)
    if device is None or not _check(device, code):
        audit_record(actor=actor, action="two_step.failed", instance=actor, summary="turn off")
        raise Invalid("That code is not right. Type the 6 digits the app shows now.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).delete()
        audit_record(actor=actor, action="two_step.disabled", instance=actor, summary="TOTP")
    request.session[SESSION_HAS_DEVICE] = False

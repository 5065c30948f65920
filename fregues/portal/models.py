"""Who is signed in to the customer's portal, and how they got there.

Portal sessions are not staff sessions: a customer never gets a ``User``, never the staff
session cookie, and a staff member signed in to Freguês is a stranger to the portal. A customer
proves who they are with a one-time link (e-mail) or code (SMS) sent to a contact point Freguês
already holds; the secrets are stored hashed, so a copy of the database signs nobody in.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalLogin(models.Model):
    """One sign-in attempt: a magic link or a one-time code sent to one of the customer's
    contact points. Used once, valid for minutes; the attempt count stops code guessing."""

    class Method(models.TextChoices):
        LINK = "link", _("link by e-mail")
        CODE = "code", _("code by SMS")

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("sign in")
        VERIFY_CONTACT_POINT = "verify_contact_point", _("verify a new e-mail or phone")

    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="portal_logins"
    )
    contact_point = models.ForeignKey(
        "parties.ContactPoint", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    address = models.CharField(max_length=300)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # A sign-in, or the proof that a new e-mail/phone the customer added is theirs: that
    # contact point only exists (and only reaches senders) once the proof comes back.
    purpose = models.CharField(
        max_length=30, choices=Purpose.choices, default=Purpose.SIGN_IN, db_default="sign_in"
    )
    # What a verification refers to beyond the address: the label the customer gave the new
    # contact point ("work", "mobile").
    reference = models.CharField(max_length=40, blank=True, default="", db_default="")

    class Meta:
        indexes = [
            models.Index(fields=["party", "-created_at"], name="portal_login_party"),
            models.Index(fields=["address", "-created_at"], name="portal_login_address"),
            models.Index(fields=["ip", "-created_at"], name="portal_login_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.method} → {self.address}"


class PortalSession(models.Model):
    """A customer signed in to the portal. The cookie holds a random key; only its hash is
    here. Ended by signing out, by expiry, or by staff (and by erasure of the customer)."""

    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    login = models.ForeignKey(PortalLogin, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["party", "-created_at"], name="portal_session_party")]

    def __str__(self) -> str:
        return f"portal session of party {self.party_id}"


from .models_orders import CustomisationRequest, Suggestion  # noqa: E402, F401
from .models_privacy import PrivacyKind, PrivacyRequest, PrivacyState  # noqa: E402,F401

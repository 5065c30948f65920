"""Leads: people who showed interest and are not yet known customers, and the web forms that
bring them in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped, Versioned
from fregues.parties.models import Party


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class LeadSource(models.TextChoices):
    MANUAL = "manual", _("Typed in")
    API = "api", _("API")
    WEB_FORM = "web_form", _("Web form")
    IMPORT = "import", _("Import")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    PHONE = "phone", _("Phone")


class LeadForm(TimeStamped):
    """A public web form that creates leads (``/forms/<code>`` and its API twin).

    Rate limited per address, with a honeypot field that bots fill and people never see.
    New leads get the form's owner and pipeline, so they reach the right salesperson at once.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of new leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pipeline = models.ForeignKey(
        "sales.Pipeline", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title shown"), max_length=200, blank=True)
    intro = models.TextField(_("text shown above the form"), blank=True)
    thank_you = models.TextField(_("text shown after sending"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Lead(Versioned):
    """Someone who showed interest (a web form, a call, a fair, a referral, a purchased list).

    A lead is qualified or disqualified (with a reason) and, once qualified, converted: into a
    party found by the existing identity resolution (never a duplicate) and an opportunity.
    ``email_normalized``/``phone_normalized`` hold the forms the resolution matches on.
    ``source`` + ``external_id`` make imports and API retries land once.
    """

    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    email_normalized = models.CharField(max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=40, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    interest = models.CharField(_("interested in"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    estimated_amount = models.DecimalField(
        _("estimated amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.MANUAL
    )
    source_detail = models.CharField(_("source detail"), max_length=120, blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    form = models.ForeignKey(
        LeadForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    referred_by = models.ForeignKey(
        Party,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    disqualify_reason = models.CharField(_("reason"), max_length=300, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    disqualified_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    attributes = models.JSONField(_("other answers"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="lead_external_id_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="lead_status"),
            models.Index(fields=["owner", "status"], name="lead_owner"),
            models.Index(
                fields=["email_normalized"], name="lead_email", condition=~Q(email_normalized="")
            ),
            models.Index(
                fields=["phone_normalized"], name="lead_phone", condition=~Q(phone_normalized="")
            ),
        ]

    def __str__(self) -> str:
        return self.name

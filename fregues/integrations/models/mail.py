"""E-mail channels: the mailboxes Freguês reads (IMAP) and answers from (SMTP), and the record
of every message taken in, which makes ingestion resumable and idempotent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import Versioned


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local test servers only)")


class Mailbox(Versioned):
    """One IMAP mailbox polled for customers' e-mail, and where replies to it are sent from.

    The password is kept here (never returned by the API) unless ``password_env`` names an
    environment variable holding it, which wins. ``uidvalidity`` and ``last_uid`` are the resume
    point: a message is taken in and ``last_uid`` moves past it in one transaction, so a poller
    killed at any moment starts again at the first message not committed. The SMTP fields are
    optional: empty ``smtp_host`` sends through the deployment's ``EMAIL_*`` settings.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP server"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=200)
    password = models.CharField(_("password"), max_length=300, blank=True, default="")
    password_env = models.CharField(
        _("password environment variable"), max_length=100, blank=True, default=""
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_flag = models.CharField(_("flag set once taken in"), max_length=60, default="\\Seen")
    case_type = models.ForeignKey(
        "service.CaseType",
        verbose_name=_("new messages open a case of type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply_from = models.EmailField(_("replies are sent from"), blank=True, default="")
    smtp_host = models.CharField(_("SMTP server"), max_length=200, blank=True, default="")
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=200, blank=True, default="")
    smtp_password = models.CharField(_("SMTP password"), max_length=300, blank=True, default="")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MailMessage(models.Model):
    """One message taken in from a mailbox: what it was and what it became.

    Unique on (mailbox, ``message_key``): the Message-ID, or a hash of the headers when a
    message has none, so a message seen twice (a rescan after UIDVALIDITY changed, a crash
    between the commit and the IMAP flag) is skipped the second time.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        BOUNCE = "bounce", _("Bounce")
        UNREADABLE = "unreadable", _("Unreadable")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    message_key = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True, default="")
    uid = models.BigIntegerField()
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MESSAGE)
    sender = models.CharField(max_length=300, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case_id = models.BigIntegerField(null=True, blank=True)
    bounced_address = models.CharField(max_length=300, blank=True, default="")
    note = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_key"], name="mail_message_taken_once"
            )
        ]
        indexes = [models.Index(fields=["mailbox", "-received_at"], name="mail_message_recent")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uid} {self.kind}"

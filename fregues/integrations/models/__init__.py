"""The integrations' records, one module per area: file imports, and (as they land) the
channels that connect Freguês to the outside (mailboxes, message providers, telephony,
outbound webhooks)."""

from .imports import ImportJob
from .mail import Mailbox, MailMessage

__all__ = ["ImportJob", "MailMessage", "Mailbox"]

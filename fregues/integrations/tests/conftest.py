"""Fixtures shared by the integrations tests (each channel area keeps its own in a support
module and lists them here)."""

from .mail_support import dovecot, imap_mailbox  # noqa: F401

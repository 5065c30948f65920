"""Fixtures shared by the integrations tests (each channel area keeps its own in a support
module and lists them here)."""

from fregues.core.tests.crash_support import crash_database, crash_template  # noqa: F401

from .mail_support import dovecot, imap_mailbox  # noqa: F401

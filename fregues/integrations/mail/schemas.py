"""The mailboxes' API shapes. Passwords go in, never out: the answer says only whether one is
set."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema


class MailboxIn(Schema):
    name: str
    imap_host: str
    imap_port: int = 993
    imap_security: str = "ssl"
    username: str
    password: str = ""
    password_env: str = ""
    folder: str = "INBOX"
    processed_flag: str = "\\Seen"
    case_type_id: int | None = None
    reply_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    is_active: bool = True


class MailboxPatch(Schema):
    name: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    folder: str | None = None
    processed_flag: str | None = None
    case_type_id: int | None = None
    reply_from: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    is_active: bool | None = None
    version: int | None = None


class MailboxOut(Schema):
    id: int
    version: int
    name: str
    is_active: bool
    imap_host: str
    imap_port: int
    imap_security: str
    username: str
    password_set: bool
    password_env: str
    folder: str
    processed_flag: str
    case_type_id: int | None
    reply_from: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password_set: bool
    uidvalidity: int | None
    last_uid: int
    last_polled_at: datetime.datetime | None
    last_error: str
    last_error_at: datetime.datetime | None
    messages_today: int = 0

    @staticmethod
    def resolve_password_set(obj: Any) -> bool:
        return bool(obj.password)

    @staticmethod
    def resolve_smtp_password_set(obj: Any) -> bool:
        return bool(obj.smtp_password)


class MailMessageOut(Schema):
    id: int
    uid: int
    message_id: str
    kind: str
    sender: str
    subject: str
    interaction_id: int | None
    case_id: int | None
    bounced_address: str
    note: str
    received_at: datetime.datetime


class ConnectionTestOut(Schema):
    ok: bool
    error: str

"""Configuring mailboxes (admins): create, change with the version read, delete, test the
connection, ask for a poll now. Passwords are written here and never read back by the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, Invalid, NotFound, VersionConflict
from fregues.core.events import enqueue_on_commit
from fregues.core.permissions import require
from fregues.service.models import CaseType

from ..models import Mailbox
from ..models.mail import Security
from .imap import ImapSession, MailboxError

PERMISSION = "channel.configure"
TEXT_FIELDS = {
    "name": 100,
    "imap_host": 200,
    "username": 200,
    "password": 300,
    "password_env": 100,
    "folder": 200,
    "processed_flag": 60,
    "smtp_host": 200,
    "smtp_username": 200,
    "smtp_password": 300,
}
SECRET_FIELDS = ("password", "smtp_password")
FIELDS = (
    *TEXT_FIELDS,
    "is_active",
    "imap_port",
    "imap_security",
    "smtp_port",
    "smtp_security",
    "reply_from",
    "case_type_id",
)
AUDIT_FIELDS = tuple(f for f in FIELDS if f not in SECRET_FIELDS)


def _clean(data: dict[str, Any], errors: ErrorCollector, *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, size in TEXT_FIELDS.items():
        if name in data:
            value = str(data[name] or "").strip()
            if len(value) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            out[name] = value
    for name in ("name", "imap_host", "username"):
        if (name in data or not partial) and not out.get(name):
            errors.add(name, _("This field is required."))
    for name in ("imap_port", "smtp_port"):
        if name in data:
            port = data[name]
            if not isinstance(port, int) or not 0 < port < 65536:
                errors.add(name, _("A port is a number from 1 to 65535."))
            out[name] = port
    for name in ("imap_security", "smtp_security"):
        if name in data:
            if data[name] not in Security.values:
                errors.add(name, _("Choose one of: %(c)s.") % {"c": ", ".join(Security.values)})
            out[name] = data[name]
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    if "reply_from" in data:
        out["reply_from"] = str(data["reply_from"] or "").strip()
        if out["reply_from"]:
            try:
                validate_email(out["reply_from"])
            except ValidationError:
                errors.add("reply_from", _("Enter a valid e-mail address."))
    if "case_type_id" in data:
        out["case_type_id"] = data["case_type_id"] or None
        if out["case_type_id"] and not CaseType.objects.filter(pk=out["case_type_id"]).exists():
            errors.add(
                "case_type_id", _("Case type %(id)s does not exist.") % {"id": data["case_type_id"]}
            )
    if out.get("processed_flag", "x") == "":
        out["processed_flag"] = "\\Seen"
    return out


def _secrets_changed(fields: dict[str, Any]) -> dict[str, list[str]]:
    return {name: ["***", "***"] for name in SECRET_FIELDS if name in fields}


def mailbox_create(*, actor: Any, data: dict[str, Any]) -> Mailbox:
    """Add a mailbox to poll (and to answer from)."""
    require(actor, PERMISSION)
    errors = ErrorCollector()
    fields = _clean(data, errors, partial=False)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            mailbox = Mailbox.objects.create(**fields)
            audit_record(
                actor=actor,
                action="create",
                instance=mailbox,
                summary=f"mailbox {mailbox.name}",
                changes=snapshot(mailbox, AUDIT_FIELDS),
            )
    except IntegrityError as exc:
        raise Invalid.field("name", _("A mailbox with this name exists.")) from exc
    return mailbox


def _locked(mailbox_id: int, version: int | None) -> Mailbox:
    mailbox = Mailbox.objects.select_for_update().filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(_("Mailbox %(id)s does not exist.") % {"id": mailbox_id})
    if version is not None and version != mailbox.version:
        raise VersionConflict(
            _("The mailbox was changed by someone else: reload it and try again."),
            details={"current_version": mailbox.version},
        )
    return mailbox


def mailbox_update(
    *, actor: Any, mailbox_id: int, data: dict[str, Any], version: int | None = None
) -> Mailbox:
    """Change the fields given; a stale ``version`` is a 409. Only the changed columns are
    written, so a poll running meanwhile keeps its resume point."""
    require(actor, PERMISSION)
    errors = ErrorCollector()
    fields = _clean(data, errors, partial=True)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            mailbox = _locked(mailbox_id, version)
            before = snapshot(mailbox, AUDIT_FIELDS)
            for name, value in fields.items():
                setattr(mailbox, name, value)
            changes = {**diff(before, snapshot(mailbox, AUDIT_FIELDS)), **_secrets_changed(fields)}
            if not changes:
                return mailbox
            mailbox.version += 1
            mailbox.save(update_fields=[*fields, "version", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                instance=mailbox,
                summary=f"mailbox {mailbox.name}",
                changes=changes,
            )
    except IntegrityError as exc:
        raise Invalid.field("name", _("A mailbox with this name exists.")) from exc
    return mailbox


def mailbox_delete(*, actor: Any, mailbox_id: int, version: int | None = None) -> None:
    """Stop polling a mailbox and forget it (the interactions and cases its messages became
    stay on the timelines)."""
    require(actor, PERMISSION)
    with transaction.atomic():
        mailbox = _locked(mailbox_id, version)
        audit_record(
            actor=actor,
            action="delete",
            instance=mailbox,
            summary=f"mailbox {mailbox.name}",
            changes=snapshot(mailbox, AUDIT_FIELDS),
        )
        mailbox.delete()


def mailbox_poll_request(*, actor: Any, mailbox_id: int) -> None:
    """Ask for a poll of the mailbox now (a background task)."""
    require(actor, PERMISSION)
    if not Mailbox.objects.filter(pk=mailbox_id).exists():
        raise NotFound(_("Mailbox %(id)s does not exist.") % {"id": mailbox_id})
    with transaction.atomic():
        enqueue_on_commit("fregues.integrations.tasks.mail_poll_task", mailbox_id)


def mailbox_test(*, actor: Any, mailbox_id: int) -> str:
    """Log in and open the folder, reading nothing; the server's error, or "" when it works."""
    require(actor, PERMISSION)
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(_("Mailbox %(id)s does not exist.") % {"id": mailbox_id})
    try:
        with ImapSession(mailbox):
            return ""
    except (MailboxError, OSError) as exc:
        return str(exc) or exc.__class__.__name__

"""Configuring SMS/WhatsApp providers (admins): create, change with a version check, remove.

Secrets (Twilio's auth token; the Cloud API's access token, app secret and verify token) are
write-only: given on create or change, never read back by the API. Leaving one out of a change
keeps the stored one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound, VersionConflict
from fregues.core.events import event_emit
from fregues.core.permissions import require
from fregues.parties.normalize import normalize_phone
from fregues.service.models import CaseType, Queue

from ..models import MessageProvider

SECRETS = ("auth_token", "access_token", "app_secret", "verify_token")
PLAIN = (
    "name",
    "kind",
    "channel",
    "phone_number",
    "phone_number_id",
    "account_sid",
    "is_active",
    "case_type_id",
    "queue_id",
)
AUDIT_FIELDS = (
    "name",
    "kind",
    "channel",
    "phone_number",
    "phone_number_id",
    "account_sid",
    "is_active",
    "case_type",
    "queue",
)
# What each kind needs to work: (field, message).
REQUIRED = {
    MessageProvider.Kind.TWILIO: ("phone_number", "account_sid", "auth_token"),
    MessageProvider.Kind.WHATSAPP_CLOUD: ("phone_number_id", "access_token", "app_secret"),
}


def _clean(data: dict[str, Any], current: MessageProvider | None) -> dict[str, Any]:
    errors = ErrorCollector()
    merged: dict[str, Any] = {}
    for name in (*PLAIN, *SECRETS):
        if name in data and data[name] is not None:
            value = data[name]
            merged[name] = value.strip() if isinstance(value, str) else value
        elif current is not None:
            merged[name] = getattr(current, name)
        else:
            merged[name] = None
    if not merged["name"]:
        errors.add("name", _("Give the provider a name."))
    elif len(merged["name"]) > 120:
        errors.add("name", _("At most %(n)s characters.") % {"n": 120})
    kind = merged["kind"]
    if kind not in MessageProvider.Kind.values:
        errors.add(
            "kind", _("Kind is one of: %(c)s.") % {"c": ", ".join(MessageProvider.Kind.values)}
        )
    channel = merged["channel"] or (
        "whatsapp" if kind == MessageProvider.Kind.WHATSAPP_CLOUD else "sms"
    )
    merged["channel"] = channel
    if channel not in MessageProvider.Channel.values:
        errors.add("channel", _("Channel is 'sms' or 'whatsapp'."))
    elif kind == MessageProvider.Kind.WHATSAPP_CLOUD and channel != "whatsapp":
        errors.add("channel", _("The WhatsApp Cloud API carries WhatsApp only."))
    if merged["phone_number"]:
        try:
            merged["phone_number"] = normalize_phone(merged["phone_number"], field="phone_number")
        except Invalid as exc:
            errors.add("phone_number", exc.message)
    for name in REQUIRED.get(kind, ()):
        if not merged[name]:
            errors.add(name, _("Required for this provider."))
    if merged["case_type_id"] and not CaseType.objects.filter(pk=merged["case_type_id"]).exists():
        errors.add(
            "case_type_id", _("Case type %(id)s does not exist.") % {"id": merged["case_type_id"]}
        )
    if merged["queue_id"] and not Queue.objects.filter(pk=merged["queue_id"]).exists():
        errors.add("queue_id", _("Queue %(id)s does not exist.") % {"id": merged["queue_id"]})
    errors.raise_if_any()
    merged["is_active"] = True if merged["is_active"] is None else bool(merged["is_active"])
    for name in (*SECRETS, "phone_number", "phone_number_id", "account_sid"):
        merged[name] = merged[name] or ""
    return merged


def message_provider_create(*, actor: Any, data: dict[str, Any]) -> MessageProvider:
    """Connect an SMS/WhatsApp account: the number it answers for and its credentials."""
    require(actor, "channel.configure")
    fields = _clean(data, None)
    with transaction.atomic():
        provider = MessageProvider.objects.create(**fields)
        audit_record(
            actor=actor,
            action="create",
            instance=provider,
            summary=f"message provider {provider.name} ({provider.kind})",
            changes=snapshot(provider, AUDIT_FIELDS),
        )
        event_emit("channel.provider_created", {"provider_id": provider.pk, "kind": provider.kind})
    return provider


def _for_update(provider_id: int, version: int | None) -> MessageProvider:
    provider = MessageProvider.objects.select_for_update().filter(pk=provider_id).first()
    if provider is None:
        raise NotFound(f"Message provider {provider_id} does not exist.")
    if version is not None and version != provider.version:
        raise VersionConflict(
            f"Provider {provider.name} was changed by someone else (version {provider.version}, "
            f"you sent {version}). Reload it and try again.",
            details={"current_version": provider.version},
        )
    return provider


def message_provider_update(
    *, actor: Any, provider_id: int, data: dict[str, Any], version: int | None = None
) -> MessageProvider:
    """Change a provider; secrets left out are kept; a stale version is a 409."""
    require(actor, "channel.configure")
    with transaction.atomic():
        provider = _for_update(provider_id, version)
        fields = _clean(data, provider)
        before = snapshot(provider, AUDIT_FIELDS)
        secrets_changed = [n for n in SECRETS if fields[n] != getattr(provider, n)]
        for name, value in fields.items():
            setattr(provider, name, value)
        provider.version += 1
        provider.save()
        changes = diff(before, snapshot(provider, AUDIT_FIELDS))
        for name in secrets_changed:  # that it changed, never its value
            changes[name] = ["***", "***"]
        audit_record(
            actor=actor,
            action="update",
            instance=provider,
            summary=f"message provider {provider.name}",
            changes=changes,
        )
        event_emit("channel.provider_changed", {"provider_id": provider.pk})
    return provider


def message_provider_delete(*, actor: Any, provider_id: int) -> None:
    """Remove a provider that never carried a message; one that did is deactivated instead
    (its messages keep their history)."""
    require(actor, "channel.configure")
    with transaction.atomic():
        provider = _for_update(provider_id, None)
        if provider.messages.exists():
            raise Conflict(
                _("This provider carried messages: deactivate it instead."),
                code="provider_in_use",
            )
        before = snapshot(provider, AUDIT_FIELDS)
        provider.delete()
        audit_record(
            actor=actor,
            action="delete",
            entity_type="integrations.messageprovider",
            entity_id=provider_id,
            summary=f"message provider {before['name']}",
            changes=before,
        )
        event_emit("channel.provider_deleted", {"provider_id": provider_id})

"""Writes on webhook subscriptions: create, change, delete, rotate the secret.

Only admins configure webhooks (``webhook.configure``): a subscription sends customer data
out of the CRM. The secret is generated here and returned once, by create and rotate; the
API never shows it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, NotFound, VersionConflict
from fregues.core.permissions import require

from ..models import WebhookSubscription
from .catalogue import pattern_problem
from .signing import secret_new

AUDIT_FIELDS = ("url", "description", "event_types", "is_active", "paused_reason")
EDITABLE = ("url", "description", "event_types", "is_active")
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Created:
    """A new subscription and its secret, the only time the secret is shown."""

    subscription: WebhookSubscription
    secret: str


def _clean(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    """The fields of ``data`` checked and normalised; problems go to ``errors``."""
    clean: dict[str, Any] = {}
    if "url" in data:
        url = str(data["url"] or "").strip()
        try:
            _url_validator(url)
        except ValidationError:
            errors.add("url", _("Enter a full http:// or https:// address."))
        clean["url"] = url
    if "event_types" in data:
        raw = data["event_types"]
        patterns = [str(p).strip() for p in raw] if isinstance(raw, list | tuple) else []
        patterns = list(dict.fromkeys(p for p in patterns if p))
        if not patterns:
            errors.add("event_types", _("Choose at least one event."))
        for pattern in patterns:
            problem = pattern_problem(pattern)
            if problem:
                errors.add("event_types", problem)
        clean["event_types"] = patterns
    if "description" in data:
        description = str(data["description"] or "").strip()
        if len(description) > 200:
            errors.add("description", _("Keep the description under 200 characters."))
        clean["description"] = description
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    return clean


def webhook_subscription_create(
    *,
    actor: Any,
    url: str,
    event_types: list[str],
    description: str = "",
    is_active: bool = True,
) -> Created:
    """Subscribe ``url`` to the events ``event_types`` names; the answer carries the secret."""
    require(actor, "webhook.configure")
    errors = ErrorCollector()
    data = _clean(
        {
            "url": url,
            "event_types": event_types,
            "description": description,
            "is_active": is_active,
        },
        errors,
    )
    errors.raise_if_any()
    secret = secret_new()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            **data,
            secret=secret,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="create",
            instance=subscription,
            summary=f"Webhook subscription {subscription.url}"[:300],
            changes=snapshot(subscription, AUDIT_FIELDS),
        )
    return Created(subscription, secret)


def _locked(subscription_id: int) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    )
    if subscription is None:
        raise NotFound(_("This webhook subscription does not exist."))
    return subscription


def webhook_subscription_update(
    *, actor: Any, subscription_id: int, data: dict[str, Any], version: int | None = None
) -> WebhookSubscription:
    """Change the fields in ``data`` (url, description, event_types, is_active). Switching a
    paused subscription back on clears the reason and lets its waiting events go out."""
    require(actor, "webhook.configure")
    errors = ErrorCollector()
    clean = _clean({k: v for k, v in data.items() if k in EDITABLE}, errors)
    with transaction.atomic():
        subscription = _locked(subscription_id)
        if version is not None and version != subscription.version:
            raise VersionConflict(
                _("Someone else changed this subscription. Reload it and try again."),
                details={"current_version": subscription.version},
            )
        errors.raise_if_any()
        before = snapshot(subscription, AUDIT_FIELDS)
        for field, value in clean.items():
            setattr(subscription, field, value)
        resumed = clean.get("is_active") and subscription.paused_reason
        if resumed:
            subscription.paused_reason = ""
            subscription.failing_since = None
        changes = diff(before, snapshot(subscription, AUDIT_FIELDS))
        if not changes:
            return subscription
        subscription.version += 1
        subscription.save()
        audit_record(
            actor=actor,
            action="update",
            instance=subscription,
            summary=f"Webhook subscription {subscription.url}"[:300],
            changes=changes,
        )
    if subscription.is_active:
        from .delivery import flush_on_commit

        with transaction.atomic():
            flush_on_commit(subscription.pk)
    return subscription


def webhook_subscription_delete(*, actor: Any, subscription_id: int) -> None:
    """Remove a subscription with its deliveries and their attempts."""
    require(actor, "webhook.configure")
    with transaction.atomic():
        subscription = _locked(subscription_id)
        audit_record(
            actor=actor,
            action="delete",
            instance=subscription,
            summary=f"Webhook subscription {subscription.url}"[:300],
            changes=snapshot(subscription, AUDIT_FIELDS),
        )
        subscription.delete()


def webhook_subscription_rotate_secret(*, actor: Any, subscription_id: int) -> Created:
    """Replace the secret (the old one stops working at once); the answer carries the new one."""
    require(actor, "webhook.configure")
    secret = secret_new()
    with transaction.atomic():
        subscription = _locked(subscription_id)
        subscription.secret = secret
        subscription.version += 1
        subscription.save(update_fields=["secret", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=subscription,
            summary=f"Webhook secret rotated for {subscription.url}"[:300],
        )
    return Created(subscription, secret)

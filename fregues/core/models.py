"""Infrastructure models shared by every app: base classes, the audit trail, the events outbox.

No domain models live here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TimeStamped(models.Model):
    """Creation and last-change times on every domain record."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Versioned(TimeStamped):
    """A record that several people may edit at once.

    ``version`` grows by one on every saved change; a service that receives the version the
    caller read refuses the write (409) when the record has moved on, so concurrent edits never
    silently overwrite each other.
    """

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who did what to which record, when, with the values before and after.

    Written explicitly by every service that changes data. ``party_id`` ties the entry to the
    customer whose page shows it (a plain id: core knows nothing of parties).
    """

    class Action(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"
        MERGE = "merge", "merge"
        MOVE = "move", "move"

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    entity_type = models.CharField(max_length=60)
    entity_id = models.BigIntegerField()
    party_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["party_id", "-occurred_at"], name="audit_party_time"),
            models.Index(fields=["entity_type", "entity_id"], name="audit_entity"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type}#{self.entity_id}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change it reports.

    Delivered after commit by a background task (webhooks, notifications), so a rolled-back
    change never announces itself and a committed one is never lost.
    """

    name = models.CharField(max_length=80, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_pending",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

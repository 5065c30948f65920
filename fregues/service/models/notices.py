"""The outbox of proactive notices: one row per notice to send."""

from __future__ import annotations

from django.db import models


class CaseNotice(models.Model):
    """One proactive notice of one step of a case, written in the transaction of the step.

    Why: the task that sends it can be lost (a worker killed before or during the send, the
    queue losing the task). The row is the promise: a worker *claims* it before sending and
    marks it *sent* in the transaction that records the notice on the timeline; the sweep
    (``notices.case_notices_sweep``) re-queues the rows still pending, or claimed by a worker
    that stopped answering. The sender is given ``key`` as its idempotency key, so a provider
    that honours one delivers a notice once even when the worker died between the send and the
    record.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        CLAIMED = "claimed"
        SENT = "sent"
        DROPPED = "dropped"  # no channel to send it on (the case's events say why)

    case = models.ForeignKey("service.Case", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20)
    event_id = models.BigIntegerField(default=0)
    key = models.CharField(max_length=80, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)  # held until the contact hours open
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="case_notice_state")]

    def __str__(self) -> str:
        return self.key

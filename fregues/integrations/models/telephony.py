"""Telephony: the calls the telephony system (PBX / contact-centre platform) tells us about,
the events it sent for each, and which extension rings which agent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped
from fregues.interactions.models import Direction


class AgentExtension(models.Model):
    """Which user a PBX extension rings.

    The telephony system names the agent a call is for by extension ("2031"); this maps it to
    the user whose browser shows the screen-pop. Kept here rather than on the user so that
    accounts need not know about telephony.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_extension",
        verbose_name=_("user"),
    )
    extension = models.CharField(_("extension"), max_length=40, unique=True)

    class Meta:
        ordering = ["extension"]

    def __str__(self) -> str:
        return self.extension


class CallState(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # click-to-call from Freguês, not yet on the PBX
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    MISSED = "missed", _("Missed")


# the same two directions as every interaction on the timeline
CallDirection = Direction


class Call(TimeStamped):
    """One telephone call, as the telephony system reported it (or as an agent asked to
    place it).

    It exists so that a ringing phone can pop the caller's page on the agent's screen within a
    second (the agent's browser polls for its newest undismissed call), and so that the call
    lands once on the customer's timeline when it ends: ``interaction`` is set then.
    ``external_id`` is the telephony system's call id; every event for it updates this row.
    """

    external_id = models.CharField(_("call id"), max_length=200, unique=True)
    direction = models.CharField(
        _("direction"), max_length=3, choices=CallDirection.choices, default=CallDirection.INBOUND
    )
    from_number = models.CharField(_("from"), max_length=60, blank=True, default="")
    to_number = models.CharField(_("to"), max_length=60, blank=True, default="")
    extension = models.CharField(_("extension"), max_length=40, blank=True, default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("agent"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=CallState.choices, default=CallState.RINGING
    )
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True, default="")
    party = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer"),
    )
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # the screen-pop poll: the agent's newest call not yet dismissed
            models.Index(
                fields=["agent", "-started_at"],
                name="call_pending_pop",
                condition=Q(dismissed_at__isnull=True),
            ),
            models.Index(fields=["-started_at"], name="call_recent"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def caller_number(self) -> str:
        """The customer's side of the call: who called in, or whom we called."""
        return self.to_number if self.direction == CallDirection.OUTBOUND else self.from_number


class CallEvent(models.Model):
    """One event the telephony system sent for a call, stored once.

    The unique (call, kind) makes the webhook idempotent: a PBX that retries a "ringing" or an
    "ended" finds it here and nothing happens twice.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=CallState.choices)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="call_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.kind}"

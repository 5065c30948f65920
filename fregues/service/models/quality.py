"""Satisfaction surveys and quality reviews."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.accounts.models import User

from .cases import Case


class SatisfactionSurvey(models.Model):
    """The one-question CSAT sent when a case closes (1–5 and a comment), by signed link."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    sent_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"CSAT {self.case_id}: {self.score}"


class QualityChecklist(models.Model):
    """What a quality manager checks in a contact or a case (items with weights)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    items = models.JSONField(
        default=list, help_text='[{"code": "greeting", "label": "Greeted by name", "weight": 1}]'
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QualityReview(models.Model):
    """One reviewed contact or case, scored item by item against a checklist."""

    checklist = models.ForeignKey(
        QualityChecklist, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="quality_reviews"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    interaction_id = models.BigIntegerField(null=True, blank=True)
    scores = models.JSONField(default=dict)
    score_percent = models.FloatField()
    comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]
        indexes = [models.Index(fields=["agent", "-reviewed_at"], name="review_agent_time")]

    def __str__(self) -> str:
        return f"review {self.pk} {self.score_percent:.0f}%"

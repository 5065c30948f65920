"""Pipelines and their stages as data, and the opportunities (deals) that move through them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped, Versioned
from fregues.parties.models import Party


class Bilingual(models.Model):
    """A name in the office's language with its English twin, shown by the reader's language."""

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def label(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Pipeline(TimeStamped, Bilingual):
    """A sales process: its stages in order, each with the chance of winning a deal there.

    A company may run several (new business, renewals, public tenders); one is the default for
    new deals. Stages are rows, so an administrator changes the process without a release.
    """

    code = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PipelineStage(Bilingual):
    """One step of a pipeline ("Proposal sent") with its win probability (0–100 %) and the
    number of idle days after which a deal in it is *rotting* (needs attention).

    Won and lost are not stages: they are the opportunity's ``status``, so a deal keeps the
    stage it was won or lost at (which is what a funnel report needs).
    """

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(max_length=60)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=10)
    rotting_days = models.PositiveSmallIntegerField(
        _("rotting after (days)"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "code"], name="stage_code_per_pipeline"),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CloseKind(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class CloseReason(Bilingual):
    """Why deals are won or lost ("price", "competitor", "no budget"), as data, so the reasons
    can be counted; a free note goes with each closed deal."""

    kind = models.CharField(max_length=4, choices=CloseKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(Versioned):
    """A deal: what a customer may buy, for how much, by when, at which stage, whose.

    Belongs to a party (an organisation or a person; ``contact`` is the person we deal with at
    an organisation). ``amount`` is in ``currency``; the weighted value is ``amount ×
    probability`` (the stage's, unless the owner overrode it). ``stage_changed_at`` tells how
    long it has been idle in its stage (rotting).
    """

    title = models.CharField(_("title"), max_length=200)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="opportunities")
    contact = models.ForeignKey(
        Party,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_opportunities",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities")
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(
        _("status"), max_length=4, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), null=True, blank=True, help_text=_("Leave empty to use the stage's.")
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    lead = models.ForeignKey(
        "sales.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    source = models.CharField(_("source"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    stage_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.ForeignKey(
        CloseReason, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.CharField(_("close note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["pipeline", "status", "stage"], name="opportunity_board"),
            models.Index(
                fields=["owner", "status", "expected_close_date"], name="opportunity_owner"
            ),
            models.Index(fields=["party", "status"], name="opportunity_party"),
            models.Index(fields=["status", "expected_close_date"], name="opportunity_forecast"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_probability(self) -> int:
        if self.status == OpportunityStatus.WON:
            return 100
        if self.status == OpportunityStatus.LOST:
            return 0
        return self.probability if self.probability is not None else self.stage.probability


class OpportunityChange(models.Model):
    """One move of a deal: a stage change, won, lost or reopened, with who and when.

    The history behind time-in-stage, conversion between stages and win rates.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="changes")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=4, blank=True)
    to_status = models.CharField(max_length=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "-occurred_at"], name="opportunity_history")]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id} ({self.to_status})"

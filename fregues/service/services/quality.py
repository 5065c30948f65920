"""Quality review: sampling contacts and cases, scoring them against a checklist."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.interactions.models import Interaction

from ..models import Case, QualityChecklist, QualityReview


def quality_sample(
    *,
    actor: Any,
    size: int = 10,
    days: int = 30,
    agent_id: int | None = None,
    seed: int | None = None,
) -> dict[str, list[int]]:
    """A random sample of recent, not yet reviewed agent contacts and closed cases."""
    require(actor, "quality.review")
    since = timezone.now() - datetime.timedelta(days=days)
    reviewed_interactions = QualityReview.objects.exclude(interaction_id=None).values(
        "interaction_id"
    )
    interactions = Interaction.objects.filter(occurred_at__gte=since, agent__isnull=False).exclude(
        pk__in=reviewed_interactions
    )
    cases = Case.objects.filter(closed_at__gte=since, assignee__isnull=False).exclude(
        reviews__isnull=False
    )
    if agent_id:
        interactions = interactions.filter(agent_id=agent_id)
        cases = cases.filter(assignee_id=agent_id)
    rng = random.Random(seed)
    interaction_ids = list(interactions.values_list("pk", flat=True)[:5000])
    case_ids = list(cases.values_list("pk", flat=True)[:5000])
    return {
        "interactions": sorted(rng.sample(interaction_ids, min(size, len(interaction_ids)))),
        "cases": sorted(rng.sample(case_ids, min(size, len(case_ids)))),
    }


def quality_review_record(
    *,
    actor: Any,
    checklist_id: int,
    scores: dict[str, Any],
    case_id: int | None = None,
    interaction_id: int | None = None,
    comment: str = "",
) -> QualityReview:
    """Score one contact or case item by item (each 0–100 %); the total is weighted."""
    require(actor, "quality.review")
    errors = ErrorCollector()
    checklist = QualityChecklist.objects.filter(pk=checklist_id, is_active=True).first()
    if checklist is None:
        raise Invalid.field("checklist_id", _("Unknown checklist %(id)s.") % {"id": checklist_id})
    if bool(case_id) == bool(interaction_id):
        errors.add("case_id", _("Review either a case or an interaction."))
    agent = None
    if case_id:
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            errors.add("case_id", _("Case %(id)s does not exist.") % {"id": case_id})
        else:
            agent = case.assignee
    if interaction_id:
        interaction = Interaction.objects.filter(pk=interaction_id).first()
        if interaction is None:
            errors.add(
                "interaction_id", _("Interaction %(id)s does not exist.") % {"id": interaction_id}
            )
        else:
            agent = interaction.agent
    items = {item["code"]: item for item in checklist.items}
    total_weight = 0.0
    total = 0.0
    for code, item in items.items():
        value = scores.get(code)
        if value is None:
            errors.add(f"scores.{code}", _("Score every item of the checklist."))
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 100:
            errors.add(f"scores.{code}", _("A score goes from 0 to 100."))
            continue
        weight = float(item.get("weight", 1))
        total_weight += weight
        total += weight * number
    for code in scores:
        if code not in items:
            errors.add(f"scores.{code}", _("Not an item of this checklist."))
    errors.raise_if_any()
    with transaction.atomic():
        review = QualityReview.objects.create(
            checklist=checklist,
            reviewer=actor if getattr(actor, "pk", None) else None,
            agent=agent if agent is None or isinstance(agent, get_user_model()) else None,
            case_id=case_id,
            interaction_id=interaction_id,
            scores={k: float(v) for k, v in scores.items()},
            score_percent=round(total / total_weight, 1) if total_weight else 0.0,
            comment=comment,
            reviewed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="create",
            instance=review,
            summary=f"quality review {review.score_percent:.0f}%",
        )
    return review

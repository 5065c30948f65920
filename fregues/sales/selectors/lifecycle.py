"""Reads of the lifecycle rules: the rules with a sentence each, as the setup screen and the
API show them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.parties.models import LifecycleStage

from ..models import LifecycleRule, LifecycleRuleKind

K = LifecycleRuleKind
# What each rule's parameter is called (None: the rule has none).
PARAMETER: dict[str, str | None] = {
    K.FIRST_PAID_ORDER: None,
    K.REPEAT_ORDER: "window_days",
    K.DORMANT: "months",
    K.REFERRAL: None,
    K.SATISFACTION: "min_score",
}


def rule_sentence(rule: LifecycleRule) -> str:
    """What the rule does, in a sentence with its parameter."""
    stage = str(LifecycleStage(rule.to_stage).label)
    if rule.kind == K.FIRST_PAID_ORDER:
        return _("A customer's first paid order moves them to %(stage)s.") % {"stage": stage}
    if rule.kind == K.REPEAT_ORDER:
        return _(
            "A buyer who orders again within %(days)s days of the previous order moves to "
            "%(stage)s."
        ) % {"days": rule.window_days or 365, "stage": stage}
    if rule.kind == K.DORMANT:
        return _(
            "A buyer, client or advocate with no order for %(months)s months moves to %(stage)s."
        ) % {"months": rule.months or 12, "stage": stage}
    if rule.kind == K.REFERRAL:
        return _(
            "A buyer or client who referred a lead that became a customer moves to %(stage)s."
        ) % {"stage": stage}
    score = rule.min_score if rule.min_score is not None else 9
    return _(
        "A buyer or client who answers a satisfaction survey with %(score)s or more out of 10 "
        "(%(five)s or more on a 1–5 survey) moves to %(stage)s."
    ) % {"score": score, "five": (score + 1) // 2, "stage": stage}


def lifecycle_rule_list(*, actor: Any) -> list[LifecycleRule]:
    """Every rule, in order, each with ``sentence`` and ``parameter`` (the field it has)."""
    require(actor, "party.view")
    return [_described(rule) for rule in LifecycleRule.objects.all()]


def _described(rule: LifecycleRule) -> LifecycleRule:
    rule.sentence = rule_sentence(rule)  # type: ignore[attr-defined]
    rule.parameter = PARAMETER.get(rule.kind)  # type: ignore[attr-defined]
    return rule


def lifecycle_rule_get(*, actor: Any, rule_id: int) -> LifecycleRule:
    require(actor, "party.view")
    rule = LifecycleRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(
            _("Lifecycle rule %(id)s does not exist.") % {"id": rule_id}, details={"id": rule_id}
        )
    return _described(rule)

"""The lifecycle moved by facts (seed 003: a buyer becomes a client by buying again).

``lifecycle_rules_apply`` is what every order and invoice write calls, inside its transaction,
with the parties it touched: it reads their order history (``lifecycle_facts``), plans the moves
the active rules make — forward only, along the moves the parties app allows — and records them
with ``fregues.parties.services.lifecycle_move_many`` (what ``lifecycle_move`` one by one would
leave, in a few statements) with the rule's sentence naming the order and the order as the
cause. ``lifecycle_sweep`` (daily) moves dormant customers to inactive in
bulk; ``on_event`` turns satisfaction answers and referrals into advocates. Administrators tune
the rules with ``lifecycle_rule_update``.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, ServiceError
from fregues.core.permissions import require
from fregues.parties.models import LifecycleMove, LifecycleStage, Party
from fregues.parties.selectors import party_survivor_id
from fregues.parties.services import Move, lifecycle_move, lifecycle_move_many

from ..models import Lead, LifecycleRule, LifecycleRuleKind
from .common import LEAD_REGARDING, ORDER_REGARDING, locked, sales_event
from .lifecycle_backfill import dormant_sweep, move_reason, orders_named
from .lifecycle_facts import active_rules, plans_for, read_facts

log = logging.getLogger(__name__)
S = LifecycleStage
K = LifecycleRuleKind
CASE_REGARDING = "service.case"
# Who a referral or a happy answer makes an advocate: customers who buy (not prospects, not
# customers gone inactive or lost).
ADVOCATE_FROM = frozenset({S.BUYER, S.CLIENT})


def lifecycle_rules_apply(
    *,
    party_ids: list[int],
    cause_type: str = "",
    cause_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[LifecycleMove]:
    """Apply the active lifecycle rules to ``party_ids``; returns the moves made.

    Call it inside the transaction that wrote the order or invoice (``cause_type`` /
    ``cause_id`` name that document). Each move names, as its cause, the order that proves
    the rule — the first paid order, the order placed again within the window, the last order
    before the customer went dormant — whichever document triggered the evaluation.
    Idempotent: applying it again moves nothing more.
    """
    ids = sorted({int(pk) for pk in party_ids if pk})
    if not ids:
        return []
    rules = active_rules()
    if not rules.orders_matter:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        # the same lock order as every party service: by id
        list(Party.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        plans = plans_for(read_facts(rules, now, party_ids=ids), rules)
        orders = orders_named(plans)
        # in bulk, leaving what one ``lifecycle_move`` a move would leave
        made = lifecycle_move_many(
            actor=None,
            moves=[
                Move(
                    party_id=plan.party_id,
                    to_stage=move.to_stage,
                    reason=move_reason(move.rule, orders.get(move.order_id), rules),
                    cause_type=ORDER_REGARDING,
                    cause_id=move.order_id,
                )
                for plan in plans
                for move in plan.moves
            ],
        )
    if made:
        log.debug("lifecycle: %s moves after %s %s", len(made), cause_type, cause_id)
    return made


def lifecycle_sweep(*, now: datetime.datetime | None = None) -> int:
    """Move customers (buyer, client, advocate) with no order for the dormancy period to
    inactive, in bulk; returns the moves made. Run daily by ``lifecycle_sweep_task``."""
    return dormant_sweep(now=now or timezone.now()).moves


def on_event(name: str, payload: dict[str, Any]) -> None:
    """Outbox receiver: a satisfaction answer at or above the rule's score, or a referred lead
    that became a customer, makes a buying customer an advocate. Never fails the delivery of
    the other events: a party that cannot move is left as it is."""
    try:
        if name == "case.satisfaction":
            _satisfaction(payload)
        elif name == "sales.lead.converted" and payload.get("referred_by_id"):
            _referral(payload)
    except ServiceError as exc:
        log.info("lifecycle: %s not applied: %s", name, exc.message)


def satisfaction_score_10(payload: dict[str, Any]) -> int | None:
    """The answer on a 0–10 scale: the service's 1–5 survey counts double."""
    try:
        score = int(payload.get("score"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    scale = int(payload.get("scale") or 5)
    return score * 2 if scale == 5 else score


def _advocate(party_id: Any, reason: str, cause_type: str, cause_id: Any) -> LifecycleMove | None:
    if not party_id:
        return None
    with transaction.atomic():
        pk = party_survivor_id(int(party_id))
        party = Party.objects.select_for_update().filter(pk=pk).first()
        if party is None or party.lifecycle_stage not in ADVOCATE_FROM:
            return None
        return lifecycle_move(
            actor=None,
            party_id=pk,
            to_stage=S.ADVOCATE,
            reason=reason,
            cause_type=cause_type,
            cause_id=int(cause_id) if cause_id else None,
        )


def _satisfaction(payload: dict[str, Any]) -> LifecycleMove | None:
    threshold = active_rules().min_score
    score = satisfaction_score_10(payload)
    if threshold is None or score is None or score < threshold:
        return None
    reason = _("Satisfaction %(score)s/10 on case %(protocol)s.") % {
        "score": score,
        "protocol": payload.get("protocol") or payload.get("case_id"),
    }
    return _advocate(payload.get("party_id"), reason, CASE_REGARDING, payload.get("case_id"))


def _referral(payload: dict[str, Any]) -> LifecycleMove | None:
    if not active_rules().referral:
        return None
    lead_id = payload.get("lead_id")
    name = (
        Lead.objects.filter(pk=lead_id).values_list("name", flat=True).first() if lead_id else None
    )
    if not name and payload.get("party_id"):
        name = Party.objects.filter(pk=payload["party_id"]).values_list("name", flat=True).first()
    reason = _("Referred %(name)s, who became a customer.") % {"name": name or _("a lead")}
    return _advocate(payload.get("referred_by_id"), reason, LEAD_REGARDING, lead_id)


# --- the rules themselves ------------------------------------------------------------------

PARAMETERS: dict[str, str] = {
    K.REPEAT_ORDER: "window_days",
    K.DORMANT: "months",
    K.SATISFACTION: "min_score",
}
LIMITS = {"window_days": (1, 3650), "months": (1, 120), "min_score": (0, 10)}
RULE_FIELDS = ["is_active", "window_days", "months", "min_score"]


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def lifecycle_rule_update(*, actor: Any, rule_id: int, data: dict[str, Any]) -> LifecycleRule:
    """Switch a rule on or off and set its parameter: the repeat window in days (≥ 1), the
    dormancy in months (1–120), the satisfaction score on 0–10. A parameter a rule does not
    have is refused. Nothing moves until the next order, the daily sweep or a backfill."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    with transaction.atomic():
        rule = locked(LifecycleRule, rule_id, _("Lifecycle rule"))
        before = snapshot(rule, RULE_FIELDS)
        if "is_active" in data:
            value = data["is_active"]
            if not isinstance(value, bool):
                errors.add("is_active", _("Say true or false."))
            else:
                rule.is_active = value
        own = PARAMETERS.get(rule.kind)
        for name, (low, high) in LIMITS.items():
            if name not in data:
                continue
            if name != own:
                errors.add(name, _("This rule has no such parameter."))
                continue
            number = _whole(data[name])
            if number is None or not low <= number <= high:
                errors.add(
                    name,
                    {
                        "window_days": _("The window is a whole number of days from 1 to 3650."),
                        "months": _("Give a whole number of months from 1 to 120."),
                        "min_score": _("Give a score from 0 to 10."),
                    }[name],
                )
                continue
            setattr(rule, name, number)
        errors.raise_if_any()
        changes = diff(before, snapshot(rule, RULE_FIELDS))
        if changes:
            rule.save()
            audit_record(
                actor=actor,
                action="update",
                instance=rule,
                summary=_("Lifecycle rule %(rule)s changed") % {"rule": rule.get_kind_display()},
                changes=changes,
            )
            sales_event("lifecycle_rule.updated", rule_id=rule.pk, changes=changes)
    return rule

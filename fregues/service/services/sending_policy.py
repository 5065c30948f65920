"""Editing the sending policy: how marketing holds back (the open-complaint rule and the
frequency cap, ``fregues.service.models.SendingPolicy``).

The policy binds every marketing sender through ``send_verdicts``, so a change is audited and
carries the ``version`` the editor read: two marketers saving the same screen get a 409, not
a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector, VersionConflict
from fregues.core.permissions import require

from ..models import CasePriority, CaseType, SendingPolicy

MAX_CAP_COUNT = 100
MAX_CAP_DAYS = 365


def _snapshot(policy: SendingPolicy) -> dict[str, Any]:
    return {
        "complaint_rule_enabled": policy.complaint_rule_enabled,
        "complaint_case_types": sorted(policy.complaint_case_types.values_list("code", flat=True)),
        "complaint_priorities": list(policy.complaint_priorities or []),
        "frequency_cap_count": policy.frequency_cap_count,
        "frequency_cap_days": policy.frequency_cap_days,
    }


def _whole(value: Any, field: str, top: int, errors: ErrorCollector) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            errors.add(field, _("Enter a whole number."))
            return None
    if value < 0 or value > top:
        errors.add(field, _("Between 0 and %(n)s.") % {"n": top})
        return None
    return int(value)


def sending_policy_update(
    *,
    actor: Any,
    version: int | None,
    complaint_rule_enabled: bool | None = None,
    complaint_case_types: Sequence[str] | None = None,
    complaint_priorities: Sequence[str] | None = None,
    frequency_cap_count: int | None = None,
    frequency_cap_days: int | None = None,
) -> SendingPolicy:
    """Change the fields given (None: leave as is). Case types are named by code, priorities
    by value; an empty list means "any". A cap count of 0 turns the cap off. ``version`` is
    the one the editor read: a stale one is a 409 and nothing changes."""
    require(actor, "marketing.configure")
    errors = ErrorCollector()
    kinds: list[CaseType] | None = None
    if complaint_case_types is not None:
        codes = [str(c).strip() for c in complaint_case_types if str(c).strip()]
        kinds = list(CaseType.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {k.code for k in kinds})
        if unknown:
            errors.add(
                "complaint_case_types",
                _("Unknown case type: %(v)s.") % {"v": ", ".join(unknown)},
            )
    priorities: list[str] | None = None
    if complaint_priorities is not None:
        priorities = list(dict.fromkeys(str(p).strip() for p in complaint_priorities if p))
        wrong = [p for p in priorities if p not in CasePriority.values]
        if wrong:
            errors.add(
                "complaint_priorities",
                _("Priority is one of: %(c)s.") % {"c": ", ".join(CasePriority.values)},
            )
    count = days = None
    if frequency_cap_count is not None:
        count = _whole(frequency_cap_count, "frequency_cap_count", MAX_CAP_COUNT, errors)
    if frequency_cap_days is not None:
        days = _whole(frequency_cap_days, "frequency_cap_days", MAX_CAP_DAYS, errors)
    if complaint_rule_enabled is not None and not isinstance(complaint_rule_enabled, bool):
        errors.add("complaint_rule_enabled", _("Say true or false."))
    errors.raise_if_any()
    SendingPolicy.current()  # the row exists before it is locked
    with transaction.atomic():
        policy = SendingPolicy.objects.select_for_update().get(pk=1)
        if version is not None and version != policy.version:
            raise VersionConflict(
                _(
                    "The sending rules were changed by someone else (version %(current)s, you "
                    "sent %(sent)s). Reload them and try again."
                )
                % {"current": policy.version, "sent": version},
                details={"current_version": policy.version},
            )
        before = _snapshot(policy)
        if complaint_rule_enabled is not None:
            policy.complaint_rule_enabled = complaint_rule_enabled
        if priorities is not None:
            policy.complaint_priorities = priorities
        if count is not None:
            policy.frequency_cap_count = count
        if days is not None:
            policy.frequency_cap_days = days
        if kinds is not None:
            policy.complaint_case_types.set(kinds)
        after = _snapshot(policy)
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if not changes:
            return policy
        policy.version += 1
        policy.save()
        audit_record(
            actor=actor,
            action="update",
            instance=policy,
            summary="sending policy changed",
            changes=changes,
        )
    return policy

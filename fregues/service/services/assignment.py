"""Handing cases to agents: by hand, round robin or least loaded, one by one or in bulk."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.audit import audit_record
from fregues.core.errors import Invalid
from fregues.core.permissions import require

from ..models import Case, CaseEvent, Queue
from .common import add_event, bump, case_event, case_for_update, check_version


def queue_agents(queue: Queue) -> list[User]:
    """The active members of the queue's team, in a stable order."""
    if queue.team_id is None:
        return []
    return list(queue.team.members.filter(is_active=True).order_by("id"))  # type: ignore[union-attr]


def pick_assignee(queue: Queue) -> User | None:
    """The next agent for a new case of ``queue`` by its strategy (None for manual queues)."""
    agents = queue_agents(queue)
    if not agents or queue.strategy == Queue.Strategy.MANUAL:
        return None
    if queue.strategy == Queue.Strategy.ROUND_ROBIN:
        locked = Queue.objects.select_for_update().get(pk=queue.pk)
        ids = [a.pk for a in agents]
        after = locked.last_assignee_id
        index = (ids.index(after) + 1) % len(ids) if after in ids else 0
        chosen = agents[index]
        Queue.objects.filter(pk=queue.pk).update(last_assignee=chosen)
        return chosen
    loads = dict(
        get_user_model()
        .objects.filter(pk__in=[a.pk for a in agents])
        .annotate(n=Count("assigned_cases", filter=Q(assigned_cases__is_open=True)))
        .values_list("pk", "n")
    )
    return min(agents, key=lambda a: (loads.get(a.pk, 0), a.pk))


def _assign(actor: Any, case: Case, assignee: User | None) -> None:
    before = case.assignee_id
    if before == (assignee.pk if assignee else None):
        return
    case.assignee = assignee
    bump(case, ["assignee"])
    name = assignee.get_username() if assignee else "—"
    add_event(
        case,
        CaseEvent.Kind.ASSIGNED,
        actor=actor,
        summary=name,
        data={"from": before, "to": assignee.pk if assignee else None},
    )
    audit_record(
        actor=actor,
        action="update",
        instance=case,
        party_id=case.party_id,
        summary=f"{case.protocol} assigned to {name}",
        changes={"assignee": [before, assignee.pk if assignee else None]},
    )
    case_event("case.assigned", case, assignee_id=assignee.pk if assignee else None)


def _assignee(assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    user = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if user is None:
        raise Invalid.field("assignee_id", _("User %(id)s does not exist.") % {"id": assignee_id})
    return user


def case_assign(
    *,
    actor: Any,
    protocol: str,
    assignee_id: int | None = None,
    auto: bool = False,
    version: int | None = None,
) -> Case:
    """Give a case to an agent (``assignee_id``), to the queue's next agent (``auto``), or to
    nobody (neither)."""
    require(actor, "case.assign")
    with transaction.atomic():
        case = case_for_update(protocol)
        check_version(case, version)
        if auto:
            if case.queue is None:
                raise Invalid.field("auto", _("The case is in no queue."))
            assignee = pick_assignee(case.queue)
            if assignee is None:
                raise Invalid.field("auto", _("The queue has no agent to hand the case to."))
        else:
            assignee = _assignee(assignee_id)
        _assign(actor, case, assignee)
    return case


def cases_reassign(*, actor: Any, protocols: list[str], assignee_id: int | None) -> list[Case]:
    """Give many cases to one agent at once (an agent goes on leave). All or nothing: an
    unknown protocol refuses the whole request. Each case is taken once, in the order given;
    the rows are locked in id order, so two bulk moves never deadlock."""
    require(actor, "case.assign")
    if not protocols:
        raise Invalid.field("protocols", _("Choose at least one case."))
    with transaction.atomic():
        assignee = _assignee(assignee_id)
        ids: list[int] = []
        missing: list[str] = []
        for protocol in dict.fromkeys(str(p) for p in protocols):
            found = Case.objects.filter(protocol=protocol).values_list("pk", flat=True).first()
            if found is None and protocol.isdigit():
                found = Case.objects.filter(pk=int(protocol)).values_list("pk", flat=True).first()
            if found is None:
                missing.append(protocol)
            elif found not in ids:
                ids.append(found)
        if missing:
            raise Invalid.field("protocols", _("Unknown cases: %(p)s.") % {"p": ", ".join(missing)})
        locked = {
            case.pk: case
            for case in Case.objects.select_for_update()
            .select_related("status", "case_type", "party")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        cases = [locked[pk] for pk in ids]
        for case in cases:
            _assign(actor, case, assignee)
    return cases

"""Activities through their services: planning, changing, doing (onto the timeline),
cancelling, reminders sent once, the calendar secret. Bad input is a 422 that writes
nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fregues.core.errors import Conflict, Forbidden, Invalid, VersionConflict
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Activity, CalendarFeed
from fregues.sales.services.activities import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_reminders_send,
    activity_update,
    calendar_feed_get_or_create,
    calendar_feed_open,
    calendar_feed_reset,
    calendar_token,
)
from fregues.sales.tasks import activity_reminders_task

from .factories import ActivityFactory, LeadFactory, OpportunityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", email="vendedor@empresa.com.br", first_name="Vera")


@pytest.fixture
def customer() -> Any:
    party = PartyFactory(name="Padaria Estrela")
    ContactPointFactory(party=party, kind="address", value="Rua das Flores, 12, São Paulo")
    return party


def plan(actor: Any, **data: Any) -> Activity:
    data.setdefault("kind", "call")
    data.setdefault("subject", "Ligar sobre a renovação")
    data.setdefault("due_at", (timezone.now() + DAY).isoformat())
    return activity_create(actor=actor, data=data)


# ---------------------------------------------------------------- planning


def test_a_planned_activity_belongs_to_its_planner_with_the_kinds_channel(
    seller: Any, customer: Any
) -> None:
    activity = plan(seller, party_id=customer.pk)
    assert activity.owner == seller and activity.created_by == seller
    assert (activity.status, activity.channel, activity.duration_minutes) == (
        "planned",
        "phone",
        15,
    )
    entry = AuditEntry.objects.get(entity_type="sales.activity", entity_id=activity.pk)
    assert entry.party_id == customer.pk and entry.action == "create"
    assert OutboxEvent.objects.filter(name="sales.activity.created").count() == 1


def test_a_visit_goes_to_the_customers_address_by_default(seller: Any, customer: Any) -> None:
    visit = plan(seller, kind="visit", subject="Visita de rotina", party_id=customer.pk)
    assert visit.location == "Rua das Flores, 12, São Paulo"
    assert (visit.channel, visit.duration_minutes) == ("visit", 60)
    elsewhere = plan(seller, kind="visit", party_id=customer.pk, location="Feira, estande 4")
    assert elsewhere.location == "Feira, estande 4"


def test_a_deal_implies_its_customer_and_a_converted_lead_too(seller: Any) -> None:
    deal = OpportunityFactory()
    activity = plan(seller, opportunity_id=deal.pk)
    assert activity.party_id == deal.party_id and activity.opportunity_id == deal.pk
    lead = LeadFactory(party=PartyFactory())
    assert plan(seller, lead_id=lead.pk).party_id == lead.party_id
    loose = plan(seller, kind="task", subject="Preparar relatório")
    assert loose.party_id is None


def test_a_date_alone_is_a_whole_day_and_a_reminder_may_be_minutes_before(seller: Any) -> None:
    day = timezone.localdate() + 3 * DAY
    activity = plan(seller, kind="task", due_at=day.isoformat(), remind_minutes_before=15 * 60)
    assert activity.all_day
    assert timezone.localtime(activity.due_at).date() == day
    assert timezone.localtime(activity.due_at).time() == datetime.time(0, 0)
    assert activity.due_at - activity.remind_at == datetime.timedelta(hours=15)
    timed = plan(seller, due_at=f"{day.isoformat()}T14:30", all_day=True)
    assert timed.all_day and timezone.localtime(timed.due_at).hour == 0


def test_the_owner_may_be_a_colleague(seller: Any, make_user: Any) -> None:
    colleague = make_user("sales")
    assert plan(seller, owner_id=colleague.pk).owner == colleague


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"due_at": "2026-02-30"}, "due_at"),
        ({"due_at": "amanhã às 10"}, "due_at"),
        ({"due_at": "2026-12-01T25:00"}, "due_at"),
        ({"due_at": None}, "due_at"),
        ({"kind": "lunch"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"owner_id": 999999}, "owner_id"),
        ({"party_id": 999999}, "party_id"),
        ({"lead_id": 999999}, "lead_id"),
        ({"opportunity_id": 999999}, "opportunity_id"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": "meia hora"}, "duration_minutes"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "visit"}, "party_id"),
        ({"remind_at": "2026-12-01T10:00", "remind_minutes_before": 10}, "remind_at"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    seller: Any, unchanged: Any, data: dict[str, Any], field: str
) -> None:
    with unchanged(), pytest.raises(Invalid) as caught:
        plan(seller, **data)
    assert caught.value.status == 422 and field in caught.value.errors


def test_a_deal_of_another_customer_or_an_owner_who_cannot_hold_it_is_refused(
    seller: Any, customer: Any, marketer: Any, unchanged: Any
) -> None:
    deal = OpportunityFactory()  # someone else's deal
    with unchanged(), pytest.raises(Invalid) as caught:
        plan(seller, party_id=customer.pk, opportunity_id=deal.pk, owner_id=marketer.pk)
    assert "another customer" in caught.value.errors["opportunity_id"][0]
    assert "owner_id" in caught.value.errors  # every error at once


def test_a_reminder_after_the_activity_is_refused(seller: Any, unchanged: Any) -> None:
    due = timezone.now() + DAY
    with unchanged(), pytest.raises(Invalid) as caught:
        plan(seller, due_at=due.isoformat(), remind_at=(due + HOUR).isoformat())
    assert "remind_at" in caught.value.errors


def test_marketing_may_not_plan(marketer: Any, unchanged: Any) -> None:
    with unchanged(), pytest.raises(Forbidden):
        plan(marketer)


# ---------------------------------------------------------------- changing


def test_moving_an_activity_rearms_its_reminder_at_the_same_distance(seller: Any) -> None:
    activity = plan(seller, remind_minutes_before=30)
    Activity.objects.filter(pk=activity.pk).update(reminded_at=timezone.now())
    later = activity.due_at + 2 * DAY
    moved = activity_update(
        actor=seller,
        activity_id=activity.pk,
        data={"due_at": later.isoformat()},
        version=activity.version,
    )
    assert moved.due_at == later and moved.reminded_at is None
    assert moved.due_at - moved.remind_at == datetime.timedelta(minutes=30)
    assert moved.version == activity.version + 1


def test_a_stale_version_is_a_conflict_and_nothing_changes(seller: Any, unchanged: Any) -> None:
    activity = plan(seller)
    activity_update(actor=seller, activity_id=activity.pk, data={"subject": "Outro assunto"})
    with unchanged(), pytest.raises(VersionConflict):
        activity_update(
            actor=seller, activity_id=activity.pk, data={"subject": "X"}, version=activity.version
        )
    assert Activity.objects.get(pk=activity.pk).subject == "Outro assunto"


def test_an_update_checks_what_it_is_sent(seller: Any, unchanged: Any) -> None:
    activity = plan(seller)
    with unchanged(), pytest.raises(Invalid) as caught:
        activity_update(
            actor=seller,
            activity_id=activity.pk,
            data={"due_at": "31/02/2026", "status": "done", "kind": "visit"},
        )
    assert {"due_at", "status", "party_id"} <= set(caught.value.errors)


def test_changing_the_kind_follows_the_kinds_channel(seller: Any, customer: Any) -> None:
    activity = plan(seller, party_id=customer.pk)
    changed = activity_update(actor=seller, activity_id=activity.pk, data={"kind": "meeting"})
    assert changed.channel == "visit"


# ---------------------------------------------------------------- doing


def test_a_done_activity_lands_on_the_customers_timeline(
    seller: Any, customer: Any, agent: Any
) -> None:
    deal = OpportunityFactory(party=customer)
    visit = plan(
        seller,
        kind="visit",
        subject="Visita de rotina",
        party_id=customer.pk,
        opportunity_id=deal.pk,
        due_at=(timezone.now() - 2 * HOUR).isoformat(),
        notes="Levar catálogo novo.",
    )
    done = activity_complete(
        actor=agent,  # a colleague records it; the owner is the one who went
        activity_id=visit.pk,
        outcome="Vai encomendar no mês que vem",
        notes="Gostou do forno novo; pediu proposta.",
        duration_minutes=45,
    )
    assert done.status == "done" and done.done_at is not None
    contact = Interaction.objects.get(pk=done.interaction_id)
    assert (contact.party_id, contact.channel, contact.direction) == (customer.pk, "visit", "out")
    assert (contact.regarding_type, contact.regarding_id) == ("sales.opportunity", deal.pk)
    assert contact.agent == seller and contact.subject == "Visita de rotina"
    assert "Gostou do forno novo" in contact.body and "Vai encomendar" in contact.body
    assert contact.duration_seconds == 45 * 60
    assert contact.outcome == "Vai encomendar no mês que vem"


def test_without_a_deal_the_contact_regards_the_activity(seller: Any, customer: Any) -> None:
    call = plan(seller, party_id=customer.pk)
    done = activity_complete(actor=seller, activity_id=call.pk, outcome="Atendeu")
    contact = Interaction.objects.get(pk=done.interaction_id)
    assert (contact.channel, contact.regarding_type, contact.regarding_id) == (
        "phone",
        "sales.activity",
        call.pk,
    )


def test_completing_twice_is_a_conflict(seller: Any, customer: Any, unchanged: Any) -> None:
    call = plan(seller, party_id=customer.pk)
    activity_complete(actor=seller, activity_id=call.pk)
    with unchanged(), pytest.raises(Conflict) as caught:
        activity_complete(actor=seller, activity_id=call.pk)
    assert caught.value.status == 409 and caught.value.code == "activity_done"
    assert Interaction.objects.filter(party=customer).count() == 1


def test_an_activity_without_a_customer_is_done_without_a_timeline_entry(seller: Any) -> None:
    task = plan(seller, kind="task", subject="Atualizar planilha")
    done = activity_complete(actor=seller, activity_id=task.pk, outcome="ok")
    assert done.status == "done" and done.interaction_id is None
    assert not Interaction.objects.exists()


def test_an_activity_is_not_done_in_the_future(seller: Any, customer: Any, unchanged: Any) -> None:
    call = plan(seller, party_id=customer.pk)
    with unchanged(), pytest.raises(Invalid) as caught:
        activity_complete(
            actor=seller, activity_id=call.pk, done_at=(timezone.now() + DAY).isoformat()
        )
    assert "done_at" in caught.value.errors


def test_a_cancelled_activity_cannot_be_done_changed_or_cancelled_again(
    seller: Any, unchanged: Any
) -> None:
    call = plan(seller)
    cancelled = activity_cancel(actor=seller, activity_id=call.pk, reason="Cliente viajou")
    assert cancelled.status == "cancelled" and cancelled.outcome == "Cliente viajou"
    with unchanged():
        for attempt in (
            lambda: activity_complete(actor=seller, activity_id=call.pk),
            lambda: activity_update(actor=seller, activity_id=call.pk, data={"subject": "x"}),
            lambda: activity_cancel(actor=seller, activity_id=call.pk),
        ):
            with pytest.raises(Conflict):
                attempt()


# ---------------------------------------------------------------- reminders


def test_a_reminder_is_sent_once_even_when_the_task_runs_twice(seller: Any, customer: Any) -> None:
    soon = plan(
        seller,
        kind="visit",
        subject="Visita à Padaria",
        party_id=customer.pk,
        due_at=(timezone.now() + 10 * datetime.timedelta(minutes=1)).isoformat(),
        remind_minutes_before=15,
    )
    plan(seller, due_at=(timezone.now() + DAY).isoformat(), remind_minutes_before=15)  # not yet
    assert activity_reminders_task.enqueue().return_value == 1
    assert activity_reminders_task.enqueue().return_value == 0
    assert activity_reminders_send() == 0
    (message,) = mail.outbox
    assert message.to == ["vendedor@empresa.com.br"]
    assert "Visita à Padaria" in message.subject
    assert "Padaria Estrela" in message.body and "Rua das Flores" in message.body
    assert f"/sales/activities/{soon.pk}/briefing/" in message.body
    assert Activity.objects.get(pk=soon.pk).reminded_at is not None


def test_a_second_worker_finds_the_reminder_claimed(seller: Any) -> None:
    due = plan(seller, due_at=timezone.now().isoformat(), remind_minutes_before=5)
    # the other worker claimed it between our read and our claim
    Activity.objects.filter(pk=due.pk).update(reminded_at=timezone.now())
    assert activity_reminders_send() == 0 and mail.outbox == []


class FailingBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        raise ConnectionRefusedError("smtp down")


def test_a_mail_failure_leaves_the_reminder_for_the_next_run(settings: Any, seller: Any) -> None:
    due = plan(seller, due_at=timezone.now().isoformat(), remind_minutes_before=5)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        activity_reminders_send()
    assert Activity.objects.get(pk=due.pk).reminded_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert activity_reminders_send() == 1


def test_done_cancelled_or_rescheduled_activities_are_reminded_right(seller: Any) -> None:
    done = plan(seller, due_at=timezone.now().isoformat(), remind_minutes_before=5)
    activity_complete(actor=seller, activity_id=done.pk)
    moved = plan(seller, due_at=timezone.now().isoformat(), remind_minutes_before=5)
    activity_update(
        actor=seller, activity_id=moved.pk, data={"due_at": (timezone.now() + DAY).isoformat()}
    )
    assert activity_reminders_send() == 0
    assert activity_reminders_send(now=timezone.now() + DAY) == 1


# ---------------------------------------------------------------- the calendar secret


def test_the_calendar_secret_opens_the_feed_until_it_is_reset(seller: Any, agent: Any) -> None:
    feed = calendar_feed_get_or_create(actor=seller)
    assert calendar_feed_get_or_create(actor=seller) == feed
    token = calendar_token(seller.pk, feed.secret)
    assert calendar_feed_open(user_id=seller.pk, token=token) == seller
    assert CalendarFeed.objects.get(pk=feed.pk).last_read_at is not None
    from fregues.core.errors import NotFound

    with pytest.raises(NotFound):
        calendar_feed_open(user_id=agent.pk, token=token)  # another user's id
    renewed = calendar_feed_reset(actor=seller)
    with pytest.raises(NotFound):
        calendar_feed_open(user_id=seller.pk, token=token)
    assert calendar_feed_open(user_id=seller.pk, token=calendar_token(seller.pk, renewed.secret))


def test_a_factory_activity_is_a_planned_call(seller: Any) -> None:
    assert ActivityFactory(owner=seller).status == "planned"

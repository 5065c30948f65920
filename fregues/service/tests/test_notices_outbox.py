"""Each notice is a row written with its step: a notice whose task was lost, or whose worker
stopped after claiming it, is sent by the sweep — once, with the same idempotency key."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from fregues.service.models import CaseNotice
from fregues.service.services import case_open
from fregues.service.services.notices import case_notices_sweep

from .conftest import make_customer

pytestmark = pytest.mark.django_db


class KeyedSender:
    """An SMS provider for tests that takes an idempotency key."""

    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str = "") -> str:
        self.sent.append((to, idempotency_key))
        return f"keyed-{len(self.sent)}"


@pytest.fixture(autouse=True)
def _sender(settings: Any) -> None:
    settings.NOTICE_SENDERS = {**settings.NOTICE_SENDERS, "sms": f"{__name__}.KeyedSender"}
    KeyedSender.sent = []


def test_a_notice_whose_task_was_lost_is_sent_by_the_sweep_once(agent: Any) -> None:
    party = make_customer(preferred_channel="sms", email=None)
    # the test's transaction never commits: the task queued on commit is never run (lost)
    case = case_open(actor=agent, party_id=party.pk, case_type="technical-assistance",
                     subject="Geladeira parou").case  # fmt: skip
    notice = CaseNotice.objects.get(case=case)
    assert notice.state == CaseNotice.State.PENDING and KeyedSender.sent == []
    assert case_notices_sweep() == 0  # younger than a task takes to start: not lost yet

    assert case_notices_sweep(stale_minutes=0) == 1
    notice.refresh_from_db()
    assert notice.state == CaseNotice.State.SENT and notice.message_id == "keyed-1"
    assert KeyedSender.sent == [("+5511987654321", f"case-{case.pk}-opened-0")]
    assert case_notices_sweep(stale_minutes=0) == 0  # sent: never again
    assert len(KeyedSender.sent) == 1


def test_a_notice_claimed_by_a_worker_that_stopped_is_sent_again_with_the_same_key(
    agent: Any, settings: Any
) -> None:
    party = make_customer(preferred_channel="sms", email=None)
    case = case_open(actor=agent, party_id=party.pk, case_type="technical-assistance",
                     subject="Geladeira parou").case  # fmt: skip
    from django.utils import timezone

    CaseNotice.objects.filter(case=case).update(  # a worker claimed it, then died
        state=CaseNotice.State.CLAIMED, claimed_at=timezone.now(), attempts=1
    )
    assert case_notices_sweep() == 0  # its worker may still be sending
    settings.NOTICE_STALE_MINUTES = 0  # ... until its claim is stale
    assert case_notices_sweep() == 1
    notice = CaseNotice.objects.get(case=case)
    assert (notice.state, notice.attempts) == (CaseNotice.State.SENT, 2)
    assert KeyedSender.sent == [("+5511987654321", f"case-{case.pk}-opened-0")]

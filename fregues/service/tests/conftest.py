"""Fixtures of the customer-service tests: customers who can be notified, the seeded case
types, a partner, a clock in São Paulo time, and a row-count guard that covers the service
tables too; ``case``, a case opened through /api/v1, for the API tests.

The root ``conftest.py`` runs background tasks at once (ImmediateBackend); tasks are enqueued
on commit, so a test sees notices and inferred avoidable contacts only inside
``django_capture_on_commit_callbacks(execute=True)`` (or by calling the service directly).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fregues.parties.models import Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.service.models import Case, CaseType, ServicePartner
from fregues.service.services import case_open, case_transition

from ._helpers import opened
from .factories_cases import PartnerFactory, case_type

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
DOMAIN_APPS = {"core", "parties", "interactions", "service"}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """A wall time in São Paulo (the BR calendar's zone), aware."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)


def service_row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS
    }


@pytest.fixture
def nothing_written() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """``with nothing_written(): <rejected call>`` fails when any row of core, parties,
    interactions or service was written (the root ``unchanged`` does not see service)."""

    @contextlib.contextmanager
    def check() -> Iterator[None]:
        before = service_row_counts()
        yield
        after = service_row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"a rejected request wrote rows: {changed}"

    return check


def greeting(language: str, name: str) -> str:
    """The notices' greeting in ``language``, from the catalogs as they are (their wording is
    the translators' business; that the customer's language is used is ours)."""
    from django.utils import translation

    with translation.override(language):
        return translation.gettext("Hello %(name)s,") % {"name": name}


def deliver_outbox() -> int:
    """Deliver the pending outbox events now, as the worker does after a commit.

    Inside a test's transaction ``django_capture_on_commit_callbacks`` only runs callbacks
    added in its block, and ``event_emit`` enqueues one delivery per transaction: after the
    first delivery of a test, later events wait for this call.
    """
    from fregues.core.tasks import outbox_dispatch

    return outbox_dispatch.enqueue().return_value


def make_customer(
    *,
    given: str = "Ana",
    family: str = "Souza",
    language: str = "pt-br",
    preferred_channel: str = "email",
    email: str | None = "ana.souza@exemplo.com.br",
    phone: str | None = "+5511987654321",
    **fields: Any,
) -> Party:
    party = PartyFactory(
        given_name=given,
        family_name=family,
        name=f"{given} {family}",
        language=language,
        preferred_channel=preferred_channel,
        **fields,
    )
    if email:
        ContactPointFactory(party=party, kind="email", value=email)
    if phone:
        ContactPointFactory(party=party, kind="phone", value=phone)
    return party


@pytest.fixture
def customer(db: None) -> Party:
    """Ana Souza, pt-BR, told by e-mail; she has a phone too."""
    return make_customer()


@pytest.fixture
def tech(db: None) -> CaseType:
    return case_type("technical-assistance")


@pytest.fixture
def licence(db: None) -> CaseType:
    return case_type("licence-request")


@pytest.fixture
def partner(db: None) -> ServicePartner:
    return PartnerFactory(email="ordens@tecnicos-unidos.com.br")


@pytest.fixture
def case(api: Any, customer: Party) -> dict[str, Any]:
    """A case of Ana's opened through /api/v1 (high priority, "Avaria"): its JSON."""
    response = opened(api, customer, priority="high", category="Avaria")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def open_case(agent: Any, customer: Party) -> Callable[..., Case]:
    """``open_case(subject=..., party=..., actor=..., **case_open kwargs)``: a new case."""

    def make(
        subject: str = "Máquina de lavar não liga",
        *,
        party: Party | None = None,
        actor: Any = None,
        case_type: str = "technical-assistance",
        **kwargs: Any,
    ) -> Case:
        kwargs.setdefault("force_new", True)
        kwargs.setdefault("notify", False)
        opened = case_open(
            actor=actor or agent,
            party_id=(party or customer).pk,
            case_type=case_type,
            subject=subject,
            **kwargs,
        )
        assert opened.created
        return opened.case

    return make


@pytest.fixture
def move(agent: Any) -> Callable[..., Case]:
    """``move(case, "triaged", "dispatched", actor=..., now=...)``: walk a case along its
    circuit."""

    def walk(case: Case, *statuses: str, actor: Any = None, **kwargs: Any) -> Case:
        for code in statuses:
            case = case_transition(
                actor=actor or agent, protocol=case.protocol, to_status=code, **kwargs
            )
        return case

    return walk


@pytest.fixture
def quality_manager(make_user: Callable[..., Any]) -> Any:
    return make_user("quality_manager")


@pytest.fixture
def salesperson(make_user: Callable[..., Any]) -> Any:
    return make_user("sales")


from fregues.core.tests.crash_support import crash_database, crash_template  # noqa: E402, F401

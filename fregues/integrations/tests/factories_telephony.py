"""Test data for telephony: agents' extensions, calls, and the telephony system's signed
events (read from the captured payloads under ``payloads/cti/``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import factory
from django.test import Client
from django.utils import timezone
from factory.django import DjangoModelFactory

from fregues.accounts.tests.factories import UserFactory
from fregues.integrations.models import AgentExtension, Call
from fregues.integrations.telephony.signing import cti_sign
from fregues.parties.models import Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

PAYLOADS = Path(__file__).parent / "payloads" / "cti"
CTI_SECRET = "segredo-de-teste-cti"
EVENTS_URL = "/api/v1/cti/events"


class AgentExtensionFactory(DjangoModelFactory):
    class Meta:
        model = AgentExtension

    user = factory.SubFactory(UserFactory, role="agent")
    extension = factory.Sequence(lambda n: str(2000 + n))


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    external_id = factory.Sequence(lambda n: f"pbx-call-{n}")
    direction = "in"
    from_number = "+5511987654321"
    to_number = "+551130001000"
    state = "ringing"
    started_at = factory.LazyFunction(timezone.now)


def caller_joao() -> Party:
    """João da Silva, a customer with the mobile the captured events call from."""
    party = PartyFactory(name="João da Silva")
    ContactPointFactory(party=party, kind="phone", value="(11) 98765-4321")
    return party


def agent_beto() -> Any:
    """The agent whose phone is extension 2031 (the captured events' extension)."""
    return AgentExtensionFactory(extension="2031").user


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A captured event (``ringing``, ``answered``, ``ended``) with some fields changed."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    data.update(changes)
    return data


def post_event(
    client: Client, data: dict[str, Any] | bytes, *, secret: str = CTI_SECRET, sign: bool = True
) -> Any:
    """POST one event as the telephony system would, signed with ``secret``."""
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    stamp = str(int(time.time()))
    headers = {"X-Fregues-Timestamp": stamp}
    if sign:
        headers["X-Fregues-Signature"] = cti_sign(body, stamp, secret)
    return client.post(EVENTS_URL, body, content_type="application/json", headers=headers)

"""What every portal write shares: who the customer is as an actor, how their act lands on
their timeline, and the errors only the portal answers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fregues.core.errors import ServiceError
from fregues.interactions.services import interaction_record
from fregues.parties.models import Party


class TooManyAttempts(ServiceError):
    """Too many sign-in requests for one address or from one network address (429)."""

    status = 429
    code = "rate_limited"


def portal_actor(party: Party | int) -> str:
    """The actor string of a customer acting through the portal."""
    return f"portal:{party if isinstance(party, int) else party.pk}"


def portal_timeline(*, party: Party, subject: str, body: str = "", actor: Any = None) -> None:
    """Put what the customer did in the portal on their timeline (an inbound interaction on
    the portal channel), so staff see it next to calls and e-mails. Call inside the service's
    transaction."""
    interaction_record(
        actor=actor or portal_actor(party),
        data={
            "channel": "portal",
            "direction": "in",
            "subject": subject[:300],
            "body": body,
            "occurred_at": timezone.now(),
        },
        party_id=party.pk,
    )

"""Reads of "My data", scoped to the signed-in customer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from fregues.parties.models import ContactPoint, Party

from ..models import PortalLogin


@dataclass
class Pending:
    """A new e-mail or phone waiting for its confirmation."""

    id: int
    kind: str
    value: str
    label: str
    expires_at: object


@dataclass
class MyData:
    party: Party
    points: list[ContactPoint] = field(default_factory=list)  # e-mails, phones, handles
    addresses: list[ContactPoint] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)


def portal_pending(party: Party) -> list[Pending]:
    rows = PortalLogin.objects.filter(
        party=party,
        purpose=PortalLogin.Purpose.VERIFY_CONTACT_POINT,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("created_at", "id")
    return [
        Pending(
            id=row.pk,
            kind="email" if row.method == PortalLogin.Method.LINK else "phone",
            value=row.address,
            label=row.reference,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


def portal_my_data(party: Party) -> MyData:
    """The customer's record, fresh from the database, with their contact points."""
    fresh = Party.objects.get(pk=party.pk)
    points = list(ContactPoint.objects.filter(party=fresh).order_by("kind", "-is_primary", "id"))
    return MyData(
        party=fresh,
        points=[p for p in points if p.kind != "address"],
        addresses=[p for p in points if p.kind == "address"],
        pending=portal_pending(fresh),
    )

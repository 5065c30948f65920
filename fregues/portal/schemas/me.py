from __future__ import annotations

from ninja import Schema


class PortalMeOut(Schema):
    """The signed-in customer, as the portal shows them."""

    party_id: int
    name: str
    given_name: str
    kind: str
    language: str

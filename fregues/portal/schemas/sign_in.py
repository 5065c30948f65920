from __future__ import annotations

from ninja import Field, Schema


class SignInIn(Schema):
    """An e-mail (→ a link) or a phone (→ a code by SMS)."""

    address: str = Field(..., max_length=300)
    next: str = ""


class SignInStartedOut(Schema):
    """The same answer whether or not the address is a customer's."""

    method: str  # "link" | "code"
    address: str  # as normalised (E.164 for phones): send it back with the code
    message: str


class SignInCodeIn(Schema):
    address: str = Field(..., max_length=300)
    code: str = Field(..., max_length=12)


class SignedInOut(Schema):
    party_id: int

from __future__ import annotations

from ninja import Schema


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    language: str
    permissions: list[str]


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str

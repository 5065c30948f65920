"""HTTP API for the signed-in user and the user directory."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from fregues.core.api_utils import actor_of
from fregues.core.permissions import role_of
from fregues.core.schemas import ERROR_RESPONSES

from .schemas import MeOut, UserOut
from .selectors import permissions_of, user_list

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def me(request: HttpRequest) -> MeOut:
    user = actor_of(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        email=user.email,
        role=role_of(user) or "",
        language=user.language,
        permissions=permissions_of(user),
    )


@router.get("/users", response={200: list[UserOut], **ERROR_RESPONSES})
def users(request: HttpRequest, role: str | None = None) -> list[UserOut]:
    return [
        UserOut(id=u.pk, username=u.username, name=u.display_name, role=u.role)
        for u in user_list(actor=actor_of(request), role=role)
    ]

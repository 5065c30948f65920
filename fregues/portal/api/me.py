from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ..auth import portal_auth
from ..schemas.me import PortalMeOut

router = Router(tags=["portal"], auth=portal_auth)


@router.get("/me", response=PortalMeOut, summary="The signed-in customer")
def portal_me(request: HttpRequest) -> PortalMeOut:
    party = request.auth.party  # type: ignore[attr-defined]
    return PortalMeOut(
        party_id=party.pk,
        name=party.name,
        given_name=party.given_name,
        kind=party.kind,
        language=party.language,
    )

"""The signed-in customer's own data ("My data") through the API, portal cookie only."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from fregues.core.api_utils import version_from
from fregues.core.schemas import ERROR_RESPONSES

from ..auth import portal_auth
from ..schemas.me import (
    PortalContactPointIn,
    PortalContactPointOut,
    PortalMeOut,
    PortalMePatch,
    PortalVerifyIn,
    point_out,
)
from ..selectors.profile import portal_my_data
from ..services.common import portal_actor
from ..services.profile import (
    portal_address_add,
    portal_contact_point_make_primary,
    portal_contact_point_remove,
    portal_contact_point_start,
    portal_contact_point_verify_code,
    portal_profile_update,
)
from ..views.sign_in import client_ip

router = Router(tags=["portal"], auth=portal_auth)


def _party(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.auth.party  # type: ignore[attr-defined]


@router.get("/me", response={200: PortalMeOut, **ERROR_RESPONSES}, summary="The signed-in customer")
def portal_me(request: HttpRequest) -> PortalMeOut:
    return PortalMeOut.build(portal_my_data(_party(request)))


@router.patch("/me", response={200: PortalMeOut, **ERROR_RESPONSES}, summary="Change my own data")
def portal_me_update(request: HttpRequest, payload: PortalMePatch) -> PortalMeOut:
    party = _party(request)
    portal_profile_update(
        actor=portal_actor(party),
        party=party,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return PortalMeOut.build(portal_my_data(party))


@router.post(
    "/me/contact-points",
    response={201: PortalContactPointOut, 202: PortalContactPointOut, **ERROR_RESPONSES},
    summary="Add an e-mail or phone (pending until confirmed) or a postal address",
)
def portal_me_contact_point_add(
    request: HttpRequest, payload: PortalContactPointIn
) -> Status[PortalContactPointOut]:
    party = _party(request)
    actor = portal_actor(party)
    if payload.kind == "address":
        point = portal_address_add(actor=actor, party=party, data=payload.dict())
        return Status(201, point_out(point))
    login = portal_contact_point_start(
        actor=actor,
        party=party,
        kind=payload.kind,
        value=payload.value,
        label=payload.label,
        ip=client_ip(request),
    )
    kind = "email" if login.method == "link" else "phone"
    return Status(
        202,
        PortalContactPointOut(
            id=login.pk, kind=kind, value=login.address, label=login.reference, status="pending"
        ),
    )


@router.post(
    "/me/contact-points/{pending_id}/verify",
    response={200: PortalContactPointOut, **ERROR_RESPONSES},
    summary="Confirm a new phone with the code sent to it by SMS",
)
def portal_me_contact_point_verify(
    request: HttpRequest, pending_id: int, payload: PortalVerifyIn
) -> PortalContactPointOut:
    party = _party(request)
    point = portal_contact_point_verify_code(
        actor=portal_actor(party), party=party, pending_id=pending_id, code=payload.code
    )
    return point_out(point)


@router.post(
    "/me/contact-points/{point_id}/primary",
    response={200: PortalContactPointOut, **ERROR_RESPONSES},
    summary="Make a contact point the main one of its kind",
)
def portal_me_contact_point_primary(request: HttpRequest, point_id: int) -> PortalContactPointOut:
    party = _party(request)
    point = portal_contact_point_make_primary(
        actor=portal_actor(party), party=party, point_id=point_id
    )
    return point_out(point)


@router.delete(
    "/me/contact-points/{point_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove one of my contact points or addresses",
)
def portal_me_contact_point_remove(request: HttpRequest, point_id: int) -> Status[None]:
    party = _party(request)
    portal_contact_point_remove(actor=portal_actor(party), party=party, point_id=point_id)
    return Status(204, None)

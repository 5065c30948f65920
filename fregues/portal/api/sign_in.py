"""Signing in and out of the portal through the API (the portal cookie is set here)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from fregues.core.schemas import ERROR_RESPONSES, ErrorOut

from ..auth import clear_portal_cookie, portal_auth, set_portal_cookie
from ..schemas.sign_in import SignedInOut, SignInCodeIn, SignInIn, SignInStartedOut
from ..services import portal_session_end
from ..services.sign_in import portal_sign_in_code_use, portal_sign_in_start
from ..views.sign_in import client_ip, with_party_language

router = Router(tags=["portal"])


@router.post(
    "/sign-in",
    response={202: SignInStartedOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Ask for a sign-in link (e-mail) or code (SMS)",
)
def portal_sign_in(request: HttpRequest, payload: SignInIn) -> Status[SignInStartedOut]:
    typed = portal_sign_in_start(
        address=payload.address, ip=client_ip(request), next_url=payload.next
    )
    message = (
        _("If this address is a customer's, a link to sign in is on its way.")
        if typed.kind == "email"
        else _("If this phone is a customer's, a code is on its way by SMS.")
    )
    return Status(
        202, SignInStartedOut(method=typed.method, address=typed.normalized, message=message)
    )


@router.post(
    "/sign-in/code",
    response={200: SignedInOut, **ERROR_RESPONSES},
    auth=None,
    summary="Sign in with the code sent by SMS (sets the portal cookie)",
)
def portal_sign_in_code(
    request: HttpRequest, payload: SignInCodeIn, response: HttpResponse
) -> SignedInOut:
    session, raw = portal_sign_in_code_use(
        address=payload.address,
        code=payload.code,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    set_portal_cookie(response, raw)
    with_party_language(response, session.party.language)
    return SignedInOut(party_id=session.party_id)


@router.post(
    "/sign-out",
    response={204: None, **ERROR_RESPONSES},
    auth=portal_auth,
    summary="Sign out",
)
def portal_sign_out(request: HttpRequest, response: HttpResponse) -> Status[None]:
    portal_session_end(session=request.auth)  # type: ignore[attr-defined]
    clear_portal_cookie(response)
    return Status(204, None)

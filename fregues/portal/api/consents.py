"""/api/v1/portal/consents: every purpose with the customer's choice and history; a choice
sent with the ``text_version`` read (409 ``text_changed`` when the text moved on since)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router

from fregues.core.errors import NotFound
from fregues.core.schemas import ERROR_RESPONSES

from ..auth import portal_auth
from ..schemas.consents import PortalConsentIn, PortalConsentOut
from ..selectors.consents import portal_consent_get, portal_consents
from ..services.consents import portal_consent_set

router = Router(tags=["portal"], auth=portal_auth)


def _party(request: HttpRequest) -> Any:
    return request.auth.party  # type: ignore[attr-defined]


@router.get(
    "/consents", response={200: list[PortalConsentOut], **ERROR_RESPONSES}, summary="My consents"
)
def list_consents(request: HttpRequest) -> list[PortalConsentOut]:
    rows = portal_consents(party=_party(request), language=translation.get_language())
    return [PortalConsentOut.build(row) for row in rows]


@router.post(
    "/consents/{purpose}",
    response={200: PortalConsentOut, **ERROR_RESPONSES},
    summary="Grant or withdraw a consent",
)
def set_consent(request: HttpRequest, purpose: str, payload: PortalConsentIn) -> PortalConsentOut:
    """Record your choice on a purpose (every channel of it), with the ``text_version`` you
    read; 409 ``text_changed`` (with the new ``text_version``) when the text changed."""
    party = _party(request)
    language = translation.get_language()
    portal_consent_set(
        actor=f"portal:{party.pk}",
        party=party,
        purpose=purpose,
        granted=payload.granted,
        text_version=payload.text_version,
        language=language,
    )
    row = portal_consent_get(party=party, purpose=purpose, language=language)
    if row is None:
        raise NotFound(f"There is no purpose '{purpose}'.")
    return PortalConsentOut.build(row)

"""SMS and WhatsApp over HTTP: the providers' inbound webhooks (/api/v1/webhooks/inbound/twilio
and /whatsapp: authenticated by their signature, not by a token), the providers' configuration
(/api/v1/channels/providers) and the agents' unified inbox (/api/v1/inbox)."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.errors import Forbidden, Invalid
from fregues.core.schemas import ERROR_RESPONSES

from ..messaging import providers as provider_services
from ..messaging.inbox import inbox_list
from ..messaging.schemas import (
    InboxItemOut,
    InboxQuery,
    ProviderIn,
    ProviderOut,
    ProviderPatch,
    WebhookOut,
)
from ..messaging.selectors import provider_get, provider_list
from ..messaging.services import (
    WebhookResult,
    twilio_webhook_receive,
    whatsapp_handshake,
    whatsapp_verified,
    whatsapp_webhook_receive,
)

inbound_router = Router(tags=["inbound webhooks"], auth=None)
providers_router = Router(tags=["channels"])
inbox_router = Router(tags=["inbox"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _url_as_provider_saw_it(request: HttpRequest) -> str:
    base = settings.WEBHOOK_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


def _out(result: WebhookResult) -> WebhookOut:
    return WebhookOut(
        received=result.received,
        repeated=result.repeated,
        statuses=result.statuses,
        ignored=result.ignored,
    )


@inbound_router.post("/twilio", response={200: None, **ERROR_RESPONSES})
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A Twilio webhook: an inbound SMS/WhatsApp message or a status callback (form-encoded,
    ``X-Twilio-Signature``). Answers empty TwiML; a bad signature is 403 and nothing is written."""
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    twilio_webhook_receive(
        url=_url_as_provider_saw_it(request),
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@inbound_router.get("/whatsapp", response={200: None, **ERROR_RESPONSES})
def whatsapp_verify(request: HttpRequest) -> HttpResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when ``hub.verify_token`` is ours."""
    if not whatsapp_handshake(
        mode=request.GET.get("hub.mode", ""), verify_token=request.GET.get("hub.verify_token", "")
    ):
        raise Forbidden("The verify token does not match.", code="bad_verify_token")
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


@inbound_router.post("/whatsapp", response={200: WebhookOut, **ERROR_RESPONSES})
def whatsapp_inbound(request: HttpRequest) -> WebhookOut:
    """A WhatsApp Cloud API webhook (JSON, ``X-Hub-Signature-256``): messages and statuses."""
    body = request.body
    signature = request.headers.get("X-Hub-Signature-256", "")
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        # the signature first: an unsigned request learns nothing, not even that it is malformed
        whatsapp_verified(body=body, signature=signature)
        raise Invalid.field("body", "The body is not a JSON object.")
    return _out(whatsapp_webhook_receive(body=body, payload=payload, signature=signature))


@providers_router.get("", response={200: list[ProviderOut], **ERROR_RESPONSES})
def list_providers(request: HttpRequest) -> list[ProviderOut]:
    """The SMS/WhatsApp providers (their secrets are never returned)."""
    return [ProviderOut.build(p) for p in provider_list(actor=actor_of(request))]


@providers_router.post("", response={201: ProviderOut, **ERROR_RESPONSES})
def create_provider(request: HttpRequest, payload: ProviderIn) -> Status[ProviderOut]:
    provider = provider_services.message_provider_create(
        actor=actor_of(request), data=payload.dict()
    )
    return Status(201, ProviderOut.build(provider))


@providers_router.get("/{int:provider_id}", response={200: ProviderOut, **ERROR_RESPONSES})
def get_provider(request: HttpRequest, provider_id: int) -> ProviderOut:
    return ProviderOut.build(provider_get(actor=actor_of(request), provider_id=provider_id))


@providers_router.patch("/{int:provider_id}", response={200: ProviderOut, **ERROR_RESPONSES})
def update_provider(request: HttpRequest, provider_id: int, payload: ProviderPatch) -> ProviderOut:
    """Change what is sent; a stale ``version`` (or If-Match) is a 409."""
    provider = provider_services.message_provider_update(
        actor=actor_of(request),
        provider_id=provider_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return ProviderOut.build(provider)


@providers_router.delete("/{int:provider_id}", response={204: None, **ERROR_RESPONSES})
def delete_provider(request: HttpRequest, provider_id: int) -> Status[None]:
    provider_services.message_provider_delete(actor=actor_of(request), provider_id=provider_id)
    return Status(204, None)


@inbox_router.get("", response={200: list[InboxItemOut], **ERROR_RESPONSES})
def list_inbox(request: HttpRequest, filters: Query[InboxQuery]) -> list[InboxItemOut]:
    """Open conversations across channels: open cases and unanswered messages, each with its
    customer, channel, last message, waiting time, assignment and SLA state."""
    items = inbox_list(
        actor=actor_of(request), scope=filters.scope, channel=filters.channel, limit=filters.limit
    )
    return [InboxItemOut.build(item) for item in items]

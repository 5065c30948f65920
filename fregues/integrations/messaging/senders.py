"""SMS and WhatsApp out: the providers' REST APIs behind the notices' ``Sender`` interface.

Plug them in with ``FREGUES_SMS_SENDER=fregues.integrations.messaging.senders.TwilioSender``
and ``FREGUES_WHATSAPP_SENDER=...senders.WhatsAppCloudSender`` (or ``TwilioWhatsAppSender``).
Each takes the active provider of its channel, posts the message (base URLs in settings, so
tests point them at a local server), records the provider's message id so delivery-status
callbacks find it, and returns that id. Callers ask the sending check first
(``fregues.service.services.sending``); the sender refuses on its own an address that bounced.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict
from fregues.parties.normalize import try_phone
from fregues.parties.selectors import suppressions_for

from ..models import MessageProvider, MessageStatus, ProviderMessage
from .selectors import provider_for_channel


class ProviderError(Conflict):
    """The provider refused the message or could not be reached (409, nothing recorded)."""

    code = "provider_error"


def _post(url: str, *, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):  # the base comes from settings; no file:
        raise ProviderError(f"not an HTTP(S) provider address: {url[:80]}")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        timeout = settings.PROVIDER_TIMEOUT_SECONDS
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310: checked
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        raise ProviderError(
            _("The provider refused the message (%(status)s).") % {"status": exc.code},
            details={"provider_answer": detail},
        ) from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise ProviderError(_("The provider could not be reached; try again.")) from exc


class _ProviderSender:
    channel = "sms"

    def provider(self) -> MessageProvider:
        found = provider_for_channel(self.channel)
        if found is None or found.kind != self.kind:
            raise ProviderError(
                _("No active %(channel)s provider is configured.") % {"channel": self.channel},
                code="no_provider",
            )
        return found

    kind = MessageProvider.Kind.TWILIO

    def post(self, provider: MessageProvider, to: str, body: str) -> str:
        raise NotImplementedError

    def send(self, *, to: str, subject: str, body: str) -> str:
        number = try_phone(to) or to
        if "hard_bounce" in suppressions_for(kind="phone", addresses=[number]).get(number, []):
            raise ProviderError(_("This number is on the suppression list."), code="suppressed")
        provider = self.provider()
        message_id = self.post(provider, number, body)
        with transaction.atomic():
            message, _created = ProviderMessage.objects.get_or_create(
                provider=provider,
                provider_message_id=message_id,
                defaults={
                    "direction": "out",
                    "channel": self.channel,
                    "address": number[:40],
                    "status": MessageStatus.QUEUED,
                },
            )
            audit_record(
                actor=None,
                action="create",
                instance=message,
                summary=f"{self.channel} out via {provider.name}: {message_id}"[:300],
            )
        return message_id


class TwilioSender(_ProviderSender):
    """SMS through Twilio's Messages API."""

    channel = "sms"
    kind = MessageProvider.Kind.TWILIO
    prefix = ""

    def post(self, provider: MessageProvider, to: str, body: str) -> str:
        base = settings.TWILIO_API_BASE.rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{provider.account_sid}/Messages.json"
        form = {
            "To": f"{self.prefix}{to}",
            "From": f"{self.prefix}{provider.phone_number}",
            "Body": body,
        }
        callback = settings.WEBHOOK_PUBLIC_BASE_URL or settings.PUBLIC_BASE_URL
        form["StatusCallback"] = f"{callback.rstrip('/')}/api/v1/webhooks/inbound/twilio"
        credentials = f"{provider.account_sid}:{provider.auth_token}".encode()
        answer = _post(
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        sid = str(answer.get("sid") or "")
        if not sid:
            raise ProviderError(_("The provider did not return a message id."))
        return sid


class TwilioWhatsAppSender(TwilioSender):
    """WhatsApp through Twilio (numbers written ``whatsapp:+55...``)."""

    channel = "whatsapp"
    prefix = "whatsapp:"


class WhatsAppCloudSender(_ProviderSender):
    """WhatsApp through Meta's Cloud API (free text: inside the 24-hour window only)."""

    channel = "whatsapp"
    kind = MessageProvider.Kind.WHATSAPP_CLOUD

    def post(self, provider: MessageProvider, to: str, body: str) -> str:
        base = settings.WHATSAPP_API_BASE.rstrip("/")
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.lstrip("+"),
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        answer = _post(
            f"{base}/{provider.phone_number_id}/messages",
            data=json.dumps(payload).encode(),
            headers={
                "Authorization": f"Bearer {provider.access_token}",
                "Content-Type": "application/json",
            },
        )
        messages = answer.get("messages") or [{}]
        wamid = str(messages[0].get("id") or "")
        if not wamid:
            raise ProviderError(_("The provider did not return a message id."))
        return wamid

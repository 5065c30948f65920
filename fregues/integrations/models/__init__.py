"""The integrations' records, one module per area: file imports, and (as they land) the
channels that connect Freguês to the outside (mailboxes, message providers, telephony,
outbound webhooks)."""

from .imports import ImportJob
from .mail import Mailbox, MailMessage
from .messaging import MessageProvider, MessageStatus, MessageStatusEvent, ProviderMessage
from .telephony import AgentExtension, Call, CallDirection, CallEvent, CallState
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "AgentExtension",
    "Call",
    "CallDirection",
    "CallEvent",
    "CallState",
    "ImportJob",
    "MailMessage",
    "Mailbox",
    "MessageProvider",
    "MessageStatus",
    "MessageStatusEvent",
    "ProviderMessage",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]

"""The integrations' records, one module per area: file imports, and (as they land) the
channels that connect Freguês to the outside (mailboxes, message providers, telephony,
outbound webhooks)."""

from .imports import ImportJob
from .messaging import MessageProvider, MessageStatus, MessageStatusEvent, ProviderMessage

__all__ = ["ImportJob", "MessageProvider", "MessageStatus", "MessageStatusEvent", "ProviderMessage"]

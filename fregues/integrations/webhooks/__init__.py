"""Outbound webhooks (issue 12, part 6): subscriptions per event type, deliveries fanned out
from the events outbox in the same transaction, signed with HMAC, retried with backoff by a
sweeper, every attempt kept. See docs/channels/webhooks.md."""

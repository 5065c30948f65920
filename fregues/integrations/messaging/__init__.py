"""SMS and WhatsApp providers, their webhooks and senders, and the unified inbox."""

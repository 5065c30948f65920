"""An SMS sender for the tests: keeps what it was asked to send."""

from __future__ import annotations

from typing import ClassVar


class RecordingSms:
    """``settings.NOTICE_SENDERS["sms"] = "fregues.portal.tests.sms.RecordingSms"``; what was
    sent is in ``RecordingSms.outbox``."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, subject: str, body: str) -> str:
        RecordingSms.outbox.append({"to": to, "body": body})
        return f"sms-{len(RecordingSms.outbox)}"

"""The click-to-call seam: ``settings.DIALLER`` names a class with ``place(call) -> url``.

A PBX adapter originates the call on the PBX (ringing the agent's extension first, then the
customer) and returns where the browser should go, or "" to stay; the PBX's events then come
back through ``POST /api/v1/cti/events``. The default below needs no PBX: the agent's browser
opens the ``tel:`` link and their softphone or mobile dials.
"""

from __future__ import annotations

from typing import Protocol

from ..models import Call


class Dialler(Protocol):
    def place(self, call: Call) -> str: ...


class TelLinkDialler:
    """Dial from the agent's own device: the answer is a ``tel:`` link to the number."""

    def place(self, call: Call) -> str:
        return f"tel:{call.to_number}"

"""Sentences the portal's screens and API say alike."""

from __future__ import annotations

from django.utils.translation import gettext as _


def opened_message(protocol: str, created: bool) -> str:
    if created:
        return _(
            "Your request was registered with protocol %(p)s. Quote it whenever you talk to us."
        ) % {"p": protocol}
    return _(
        "You already have an open request about this, protocol %(p)s: we added your message "
        "to it, so it is handled once."
    ) % {"p": protocol}

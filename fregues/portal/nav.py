"""The portal's sections: the navigation bar and the home page's tiles come from this list."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (url name, label, what the home tile says)
SECTIONS = [
    (
        "portal:profile",
        _("My data"),
        _("Your name, e-mails, phones and addresses; how and when we may contact you."),
    ),
    (
        "portal:requests",
        _("My requests"),
        _("Open a request and follow every one, with the same protocol numbers our staff use."),
    ),
    ("portal:orders", _("My orders"), _("Orders, invoices and quotes waiting for your answer.")),
    (
        "portal:consents",
        _("My consents"),
        _("What you allow us to do with your data, and the history of every choice."),
    ),
    ("portal:privacy", _("Privacy"), _("Download all your data, ask us to correct or erase it.")),
    (
        "portal:help",
        _("Help and suggestions"),
        _("Answers to common questions, and a box for your suggestions."),
    ),
]

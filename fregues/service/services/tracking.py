"""The public tracking page: the customer follows a case with the code on their receipt."""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _

from fregues.core.errors import NotFound

from ..models import Case, TrackingVisit


def tracking_open(*, protocol: str, code: str) -> Case:
    """The case behind a protocol and its secret code (404 on any mismatch, alike), with the
    visit recorded: a call that follows it is an avoidable contact."""
    case = (
        Case.objects.select_related("status", "case_type", "party")
        .filter(protocol=protocol)
        .first()
    )
    given = (code or "").strip().upper().replace(" ", "")
    # bytes: compare_digest refuses str with non-ASCII characters (a 500 on "código=ção")
    if case is None or not hmac.compare_digest(case.tracking_code.encode(), given.encode()):
        raise NotFound(_("No request matches this protocol and code."), code="no_match")
    TrackingVisit.objects.create(case=case)
    return case

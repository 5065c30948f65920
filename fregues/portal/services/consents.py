"""Writes of "My consents": the customer grants or withdraws a purpose in one click.

The choice is a row in the parties app's consent ledger (``consent_record``, source
``portal``) carrying the version of the text the customer read. If the purpose's text changed
since the page was shown, the choice is refused (409 ``text_changed``) and the customer is
asked to read it again: a consent is only worth the text it was given on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, NotFound
from fregues.parties.models import ConsentPurpose, ConsentRecord, ConsentSource, Party
from fregues.parties.services.consent import consent_record

from ..selectors.consents import consent_text_version


def portal_consent_set(
    *,
    actor: Any,
    party: Party,
    purpose: str,
    granted: bool,
    text_version: str,
    language: str | None,
) -> ConsentRecord:
    """Record the customer's choice on ``purpose`` (the whole purpose, every channel).

    404 for an unknown or retired purpose; 409 ``text_changed`` when ``text_version`` is not
    the version of the purpose's text in ``language`` now.
    """
    found = ConsentPurpose.objects.filter(code=str(purpose or ""), is_active=True).first()
    if found is None:
        raise NotFound(_("There is no purpose '%(p)s'.") % {"p": purpose})
    current = consent_text_version(found, language)
    if str(text_version or "") != current:
        raise Conflict(
            _(
                "What we tell you about “%(name)s” has changed since you opened the page. "
                "Please read it again before choosing."
            )
            % {"name": found.label(language)},
            code="text_changed",
            details={"text_version": current},
        )
    with transaction.atomic():
        record = consent_record(
            actor=actor,
            party_id=party.pk,
            purpose=found.code,
            granted=granted,
            source=ConsentSource.PORTAL,
            text_version=current,
        )
        audit_record(
            actor=actor,
            action="portal.consent_set",
            instance=record,
            party_id=party.pk,
            summary=f"{found.code}: {'granted' if granted else 'withdrawn'} in the portal",
            changes={"purpose": found.code, "granted": granted, "text_version": current},
        )
    return record

"""Writes of "My requests": the customer opens a request, replies on one, answers the survey.

Each goes through the customer-service services, so a request opened here is a case like any
other: same protocol numbers, same circuit, same "one case, not two" rule (a request that
repeats an open one joins it). The portal adds what a customer's hand needs: only public case
types, files checked by what they are (not what they claim), a cap on how much one customer
may send per hour, and every read scoped to the signed-in customer.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound, ServiceError
from fregues.core.permissions import require
from fregues.interactions.models import Channel, Interaction
from fregues.interactions.services import NewAttachment, interaction_attach
from fregues.parties.models import Party
from fregues.service.models import CaseType, SatisfactionSurvey
from fregues.service.services import case_open, survey_answer
from fregues.service.services.cases import CaseOpened
from fregues.service.services.replies import case_customer_reply
from fregues.service.services.satisfaction import survey_token

from ..selectors.requests import portal_case_get, portal_writes_last_hour, survey_due

DESCRIPTION_MAX_CHARS = 5000

# What a file's first bytes say it is, for the types the portal may accept.
_EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/webp": {".webp"},
    "image/gif": {".gif"},
    "text/plain": {".txt", ".text", ".log", ".csv"},
    "text/csv": {".csv"},
}


# Bytes no text file holds (binary formats are full of them): C0 controls but tab, line
# feed, form feed and carriage return; and DEL.
_CONTROL_BYTES = frozenset(set(range(0, 32)) - {9, 10, 12, 13}) | {127}


class RateLimited(ServiceError):
    """Too many requests and replies from one customer in an hour (429)."""

    status = 429
    code = "rate_limited"


def sniff(content: bytes) -> str:
    """The type a file's content shows, among the ones the portal knows; "" when unknown."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if not any(byte in _CONTROL_BYTES for byte in content[:8192]):
        # plain text in any encoding (UTF-8, or Latin-1 from an old Windows program)
        return "text/plain"
    return ""


@dataclass
class Upload:
    """A file as the customer sent it: its name, its bytes and the type the browser declared."""

    filename: str
    content: bytes
    content_type: str = ""
    size: int | None = None  # when the file was too big to read, its size only


def attachments_check(files: list[Upload], errors: ErrorCollector) -> list[NewAttachment]:
    """The files as attachments, when every one is allowed: at most PORTAL_ATTACHMENT_MAX_FILES,
    each up to PORTAL_ATTACHMENT_MAX_MB, of a type in PORTAL_ATTACHMENT_TYPES by its content,
    its extension and its declared type alike (a renamed .exe is not a PDF)."""
    allowed = {t.strip().lower() for t in settings.PORTAL_ATTACHMENT_TYPES if t.strip()}
    max_bytes = settings.PORTAL_ATTACHMENT_MAX_MB * 1024 * 1024
    files = [f for f in files if f.filename or f.content]
    if len(files) > settings.PORTAL_ATTACHMENT_MAX_FILES:
        errors.add(
            "attachments",
            _("Attach at most %(n)s files.") % {"n": settings.PORTAL_ATTACHMENT_MAX_FILES},
        )
        return []
    out = []
    for item in files:
        name = os.path.basename((item.filename or "").replace("\\", "/"))[:200]
        if (item.size if item.size is not None else len(item.content)) > max_bytes:
            errors.add(
                "attachments",
                _("%(f)s is larger than %(n)s MB.")
                % {"f": name, "n": settings.PORTAL_ATTACHMENT_MAX_MB},
            )
            continue
        if not item.content:
            errors.add("attachments", _("%(f)s is empty.") % {"f": name})
            continue
        found = sniff(item.content)
        declared = (item.content_type or "").split(";")[0].strip().lower()
        extension = os.path.splitext(name)[1].lower()
        declared_ok = declared in ("", "application/octet-stream", found) or (
            found == "text/plain" and declared.startswith("text/")
        )
        if (
            found not in allowed
            or extension not in _EXTENSIONS.get(found, set())
            or not declared_ok
        ):
            errors.add(
                "attachments",
                _("%(f)s is not a file type we accept (%(types)s).")
                % {"f": name, "types": ", ".join(sorted(accepted_extensions()))},
            )
            continue
        out.append(NewAttachment(filename=name, content=item.content, content_type=found))
    return out


def accepted_extensions() -> set[str]:
    allowed = {t.strip().lower() for t in settings.PORTAL_ATTACHMENT_TYPES}
    return {ext for kind, exts in _EXTENSIONS.items() if kind in allowed for ext in exts}


def rate_check(party: Party, now: datetime.datetime | None = None) -> None:
    limit = settings.PORTAL_WRITES_PER_HOUR
    if portal_writes_last_hour(party, now) >= limit:
        raise RateLimited(
            _(
                "You have sent %(n)s requests and replies in the last hour, the most we take. "
                "Please try again later."
            )
            % {"n": limit}
        )


def _actor_for(party: Party, actor: Any) -> Any:
    return actor if actor is not None else f"portal:{party.pk}"


def portal_request_open(
    *,
    actor: Any,
    party: Party,
    case_type: str,
    subject: str,
    description: str = "",
    attachments: list[Upload] | None = None,
    now: datetime.datetime | None = None,
) -> CaseOpened:
    """The customer opens a request of a public type, with files. When they already have an
    open request of that type about the same thing, their message joins it instead
    (``created=False``) — one case, not two. Nothing is written when anything is refused."""
    actor = _actor_for(party, actor)
    require(actor, "case.create")
    errors = ErrorCollector()
    kind = CaseType.objects.filter(code=(case_type or "").strip(), is_public=True).first()
    if kind is None:
        errors.add("case_type", _("Choose one of the kinds of request offered."))
    subject = (subject or "").strip()
    if not subject:
        errors.add("subject", _("Say what the request is about."))
    elif len(subject) > 300:
        errors.add("subject", _("At most %(n)s characters.") % {"n": 300})
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_CHARS:
        errors.add("description", _("At most %(n)s characters.") % {"n": DESCRIPTION_MAX_CHARS})
    files = attachments_check(attachments or [], errors)
    errors.raise_if_any(_("Some fields need your attention."))
    assert kind is not None
    rate_check(party, now)
    with transaction.atomic():
        opened = case_open(
            actor=actor,
            party_id=party.pk,
            case_type=kind.pk,
            subject=subject,
            description=description,
            channel=Channel.PORTAL,
            now=now,
        )
        assert opened.interaction is not None
        for item in files:
            interaction_attach(actor=actor, interaction_id=opened.interaction.pk, attachment=item)
        audit_record(
            actor=actor,
            action="portal.request_open" if opened.created else "portal.request_join",
            instance=opened.case,
            party_id=party.pk,
            summary=f"{opened.case.protocol}: {subject}"[:300],
        )
    return opened


def portal_request_reply(
    *,
    actor: Any,
    party: Party,
    protocol: str,
    body: str,
    attachments: list[Upload] | None = None,
    now: datetime.datetime | None = None,
) -> Interaction:
    """The customer writes on one of their requests; a request waiting on them goes back to
    our team by its circuit."""
    actor = _actor_for(party, actor)
    case = portal_case_get(party=party, protocol=protocol)
    errors = ErrorCollector()
    if not (body or "").strip():
        errors.add("body", _("Write your message."))
    files = attachments_check(attachments or [], errors)
    errors.raise_if_any(_("Some fields need your attention."))
    rate_check(party, now)
    return case_customer_reply(
        actor=actor,
        protocol=case.protocol,
        party_id=party.pk,
        body=body,
        channel=Channel.PORTAL,
        attachments=files,
        now=now,
    )


def portal_survey_answer(
    *, actor: Any, party: Party, protocol: str, score: Any, comment: str = ""
) -> SatisfactionSurvey:
    """The customer answers the satisfaction survey of a finished request in the portal (the
    same survey the closing e-mail links to, answered once)."""
    actor = _actor_for(party, actor)
    case = portal_case_get(party=party, protocol=protocol)
    survey = survey_due(case)
    if survey is None:
        if SatisfactionSurvey.objects.filter(case=case, answered_at__isnull=False).exists():
            raise Conflict(
                _("This survey was already answered. Thank you!"), code="already_answered"
            )
        raise NotFound(_("There is no survey for this request."), code="no_survey")
    if str(score or "").strip() == "":
        raise Invalid.field("score", _("Choose a score from 1 to 5."))
    return survey_answer(token=survey_token(survey), score=score, comment=comment, actor=actor)

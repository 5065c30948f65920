"""Reads of "My requests": the customer's cases, and their organisation's when staff allow it.

What a customer sees of a case is what was said to them or by them: the status history the
tracking page shows, and the messages on written channels (their own portal messages and
e-mails, the notices and answers we sent). Internal work never reaches the portal: case events
staff did not mark public (notes, assignments, SLA warnings) and the notes agents wrote of a
phone call or a visit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.interactions.models import Attachment, Channel, Direction, Interaction
from fregues.parties.models import Affiliation, Party
from fregues.service.models import Case, CaseType, SatisfactionSurvey, StatusCategory
from fregues.service.selectors.cases import case_public_view
from fregues.service.services.common import CASE_REGARDING

# Channels whose interactions are the words exchanged with the customer. Phone calls and visits
# are recorded by an agent in their own words: those are internal notes.
WRITTEN_CHANNELS = (
    Channel.PORTAL,
    Channel.EMAIL,
    Channel.SMS,
    Channel.MMS,
    Channel.CHAT,
    Channel.SOCIAL,
    Channel.WEB_FORM,
    Channel.LETTER,
    Channel.FAX,
)


def organisations_seen(party: Party) -> list[int]:
    """The organisations whose requests this person follows in the portal (staff said so on
    the link, and the link has not ended)."""
    today = timezone.localdate()
    return list(
        Affiliation.objects.filter(person=party, portal_sees_cases=True)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        .values_list("organization_id", flat=True)
    )


def portal_cases(party: Party) -> QuerySet[Case]:
    """Every case the signed-in customer may see: theirs, the ones they reported, and their
    organisations' when allowed. The one scope every read and write of the portal starts from."""
    scope = Q(party_id=party.pk) | Q(reporter_id=party.pk)
    orgs = organisations_seen(party)
    if orgs:
        scope |= Q(party_id__in=orgs)
    return Case.objects.filter(scope).select_related("status", "case_type", "party")


def portal_case_get(*, party: Party, protocol: str) -> Case:
    """One case of the customer by protocol; another customer's case is "not found" (never
    "forbidden": its existence is not theirs to learn)."""
    case = portal_cases(party).filter(protocol=protocol).first()
    if case is None:
        raise NotFound(
            _("No request of yours has protocol %(p)s.") % {"p": protocol},
            details={"protocol": protocol},
        )
    return case


def portal_case_types() -> list[CaseType]:
    """The kinds of request a customer may open themselves."""
    return list(CaseType.objects.filter(is_public=True).order_by("name"))


def type_name(case_type: CaseType, language: str | None) -> str:
    if (language or "").startswith("en") and case_type.name_en:
        return case_type.name_en
    return case_type.name


@dataclass
class RequestRow:
    protocol: str
    subject: str
    case_type: str
    status: str
    status_category: str
    is_open: bool
    opened_at: datetime.datetime
    status_changed_at: datetime.datetime
    mine: bool
    customer_name: str


def portal_requests_list(*, party: Party, language: str | None = None) -> list[RequestRow]:
    """The customer's requests, newest first, with what the list shows."""
    return [
        RequestRow(
            protocol=case.protocol,
            subject=case.subject,
            case_type=type_name(case.case_type, language),
            status=case.status.label(language),
            status_category=case.status.category,
            is_open=case.is_open,
            opened_at=case.created_at,
            status_changed_at=case.status_changed_at,
            mine=case.party_id == party.pk or case.reporter_id == party.pk,
            customer_name=case.party.name,
        )
        for case in portal_cases(party).order_by("-created_at", "-id")[:200]
    ]


@dataclass
class Message:
    occurred_at: datetime.datetime
    from_customer: bool
    author: str
    body: str
    attachments: list[str] = field(default_factory=list)
    files: list[tuple[int, str]] = field(default_factory=list)  # (attachment id, name)


def case_messages(case: Case, party: Party) -> list[Message]:
    """The messages of a case the customer may read, oldest first."""
    rows = list(
        Interaction.objects.filter(
            regarding_type=CASE_REGARDING, regarding_id=case.pk, channel__in=WRITTEN_CHANNELS
        )
        .select_related("party")
        .order_by("occurred_at", "id")
    )
    files: dict[int, list[tuple[int, str]]] = {}
    for attachment in Attachment.objects.filter(interaction__in=[r.pk for r in rows]):
        files.setdefault(attachment.interaction_id, []).append((attachment.pk, attachment.filename))
    messages = []
    for row in rows:
        inbound = row.direction == Direction.INBOUND
        if inbound:
            author = _("You") if row.party_id == party.pk else row.party.name
        else:
            author = _("Our team")
        messages.append(
            Message(
                occurred_at=row.occurred_at,
                from_customer=inbound,
                author=author,
                body=row.body or row.subject,
                attachments=[name for _pk, name in files.get(row.pk, [])],
                files=files.get(row.pk, []),
            )
        )
    return messages


def portal_attachment_get(*, party: Party, protocol: str, attachment_id: int) -> Attachment:
    """A file of a message the customer may read on one of their requests (404 otherwise:
    a file of an internal note, of another request or of another customer)."""
    case = portal_case_get(party=party, protocol=protocol)
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            interaction__regarding_type=CASE_REGARDING,
            interaction__regarding_id=case.pk,
            interaction__channel__in=WRITTEN_CHANNELS,
        )
        .select_related("interaction")
        .first()
    )
    if attachment is None:
        raise NotFound(_("This file is not part of your request."))
    return attachment


def survey_due(case: Case) -> SatisfactionSurvey | None:
    """The unanswered satisfaction survey of a resolved or closed case, if any."""
    if case.status.category not in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
        return None
    survey = SatisfactionSurvey.objects.filter(case=case).first()
    return survey if survey is not None and survey.answered_at is None else None


def portal_request_view(
    *, party: Party, protocol: str, language: str | None = None
) -> dict[str, Any]:
    """Everything the request's page shows: the tracking view (status and its public
    history), the messages, whether the customer can reply and whether a survey awaits."""
    case = portal_case_get(party=party, protocol=protocol)
    view = case_public_view(case, language)
    answered = SatisfactionSurvey.objects.filter(case=case, answered_at__isnull=False).first()
    view.update(
        {
            "case": case,
            "subject": case.subject,
            "status_category": case.status.category,
            "waiting_on_customer": case.status.category == StatusCategory.WAITING_CUSTOMER,
            "can_reply": case.status.category != StatusCategory.CLOSED,
            "messages": case_messages(case, party),
            "survey_due": survey_due(case) is not None,
            "survey_score": answered.score if answered else None,
            "customer_name": case.party.name,
            "mine": case.party_id == party.pk or case.reporter_id == party.pk,
        }
    )
    return view


def portal_writes_last_hour(party: Party, now: datetime.datetime | None = None) -> int:
    """Requests and replies the customer sent through the portal in the last hour."""
    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    return Interaction.objects.filter(
        party=party, channel=Channel.PORTAL, direction=Direction.INBOUND, created_at__gte=since
    ).count()

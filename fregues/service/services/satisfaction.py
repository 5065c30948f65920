"""The one-question satisfaction survey sent when a case closes, answered by signed link."""

from __future__ import annotations

import datetime
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, Invalid, NotFound

from ..models import Case, CaseEvent, SatisfactionSurvey
from .common import add_event, case_event

SALT = "fregues.csat"
MAX_AGE = datetime.timedelta(days=30)


def survey_token(survey: SatisfactionSurvey) -> str:
    return signing.dumps({"s": survey.pk}, salt=SALT)


def survey_create(*, case: Case, now: datetime.datetime | None = None) -> SatisfactionSurvey:
    """Create the survey of a closed case (once); the closing notice carries its link."""
    survey, _created = SatisfactionSurvey.objects.get_or_create(
        case=case, defaults={"sent_at": now or timezone.now()}
    )
    return survey


def survey_from_token(token: str) -> SatisfactionSurvey:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise NotFound(_("This survey link has expired."), code="link_expired") from exc
    except signing.BadSignature as exc:
        raise NotFound(_("This survey link is not valid."), code="bad_link") from exc
    survey = SatisfactionSurvey.objects.select_related("case").filter(pk=data.get("s")).first()
    if survey is None:
        raise NotFound(_("This survey link is not valid."), code="bad_link")
    return survey


def survey_answer(
    *, token: str, score: Any, comment: str = "", actor: Any = None
) -> SatisfactionSurvey:
    """Store the customer's 1–5 score and comment. A survey is answered once. ``actor`` is
    the signed-in customer when answered in the portal (None: by the e-mailed link)."""
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise Invalid.field("score", _("Choose a score from 1 to 5."))
    with transaction.atomic():
        survey = survey_from_token(token)
        survey = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
        if survey.answered_at:
            raise Conflict(
                _("This survey was already answered. Thank you!"), code="already_answered"
            )
        survey.score = value
        survey.comment = (comment or "").strip()[:2000]
        survey.answered_at = timezone.now()
        survey.save()
        case = survey.case
        add_event(
            case,
            CaseEvent.Kind.SATISFACTION,
            actor_name="customer",
            summary=f"{value}/5",
            data={"score": value},
        )
        audit_record(
            actor=actor,
            action="update",
            instance=survey,
            party_id=case.party_id,
            summary=f"CSAT {value}/5 for {case.protocol}",
        )
        case_event("case.satisfaction", case, score=value)
    return survey

from __future__ import annotations

import datetime

from ninja import Field, Schema


class PortalCaseTypeOut(Schema):
    """A kind of request the customer may open in the portal."""

    code: str
    name: str
    categories: list[str]


class PortalRequestOpenIn(Schema):
    """A new request (multipart form: these fields, and ``files``)."""

    case_type: str = Field(description="Code of a public case type (GET /portal/case-types).")
    subject: str = Field(description="What the request is about, in a line.")
    description: str = ""


class PortalRequestOpenedOut(Schema):
    protocol: str
    created: bool = Field(
        description="False when a similar open request existed: the message joined it."
    )
    message: str


class PortalRequestOut(Schema):
    protocol: str
    subject: str
    case_type: str
    status: str
    status_category: str
    is_open: bool
    opened_at: datetime.datetime
    status_changed_at: datetime.datetime
    customer_name: str = Field(description="Whose request: the customer or their organisation.")


class PortalHistoryOut(Schema):
    at: datetime.datetime
    status: str = ""
    description: str = ""


class PortalMessageOut(Schema):
    occurred_at: datetime.datetime
    from_customer: bool
    author: str
    body: str
    attachments: list[str]


class PortalRequestDetailOut(Schema):
    protocol: str
    subject: str
    case_type: str
    status: str
    status_description: str
    status_category: str
    is_open: bool
    opened_at: datetime.datetime
    customer_name: str
    can_reply: bool
    survey_due: bool
    survey_score: int | None
    history: list[PortalHistoryOut]
    messages: list[PortalMessageOut]


class PortalReplyIn(Schema):
    """A reply (multipart form: ``body``, and ``files``)."""

    body: str


class PortalSurveyIn(Schema):
    score: int = Field(description="1 (very unhappy) to 5 (very happy).")
    comment: str = ""


class PortalSurveyOut(Schema):
    protocol: str
    score: int
    answered_at: datetime.datetime

"""Schemas shared by every router: the error body, and the error answers every operation may give.

400 is a body that is not JSON at all; 429 is an address throttled for guessing tokens or codes.
The fuzz test (tests/test_api_fuzz.py) holds every operation to the statuses it documents.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

DB_INT_MAX = 2**63 - 1
"""The largest integer the databases hold (PostgreSQL's bigint, SQLite's INTEGER): every id a
client sends is bounded by it, so a huge one is a 422 and not an overflow (500)."""

Id = Annotated[int, Field(ge=0, le=DB_INT_MAX)]
"""An id in a filter or a body: a number the database can compare with its ids."""


def query_id(value: Any) -> int | None:
    """The id in a screen's query string, or None when it is not one the database can hold."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) <= DB_INT_MAX else None


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}


ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _in_utc(value: datetime.datetime) -> datetime.datetime:
    """PostgreSQL refuses offsets beyond ±15:59 that Python accepts (the fuzz test sent
    -19:38): a moment a client sends is turned to UTC before it reaches the database."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError as exc:
        raise ValueError("This moment is out of the range of dates.") from exc


Moment = Annotated[datetime.datetime, AfterValidator(_in_utc)]
"""A moment in a filter or a body, in UTC (any offset the client used is kept in meaning)."""

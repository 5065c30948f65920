"""The few SQL expressions that differ between SQLite and PostgreSQL, for the service and
retention refreshers and reports (dates in the local time zone, day arithmetic, JSON keys).

Each helper returns SQL text for the vendor of ``connection``; parameters, where any, are
returned beside it. Writing the refresh as plain SQL keeps it set-based on both engines.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


def is_pg(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def local_date(connection: BaseDatabaseWrapper, column: str) -> tuple[str, list[Any]]:
    """The local calendar day of a stored timestamp (Django's own conversion per vendor)."""
    sql, params = connection.ops.datetime_cast_date_sql(
        column, (), timezone.get_current_timezone_name()
    )
    return sql, list(params)


def month_of(connection: BaseDatabaseWrapper, date_sql: str) -> str:
    """The first day of the month of a date expression."""
    if is_pg(connection):
        return f"CAST(DATE_TRUNC('month', {date_sql}) AS date)"
    return f"date({date_sql}, 'start of month')"


def week_of(connection: BaseDatabaseWrapper, date_sql: str) -> str:
    """The Monday on or before a date expression (ISO weeks)."""
    if is_pg(connection):
        return f"CAST(DATE_TRUNC('week', {date_sql}) AS date)"
    return f"date({date_sql}, '-6 days', 'weekday 1')"


def add_days(connection: BaseDatabaseWrapper, date_sql: str, days: int) -> str:
    if is_pg(connection):
        return f"CAST({date_sql} + {int(days)} AS date)"
    return f"date({date_sql}, '{int(days):+d} days')"


def days_between(connection: BaseDatabaseWrapper, start_sql: str, end_sql: str) -> str:
    """Whole days from one date expression to another."""
    if is_pg(connection):
        return f"({end_sql} - {start_sql})"
    return f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)"


def elapsed_days(connection: BaseDatabaseWrapper, start_sql: str, end_sql: str) -> str:
    """Fractional days between two timestamps."""
    if is_pg(connection):
        return f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) / 86400.0)"
    return f"(julianday({end_sql}) - julianday({start_sql}))"


def json_text(connection: BaseDatabaseWrapper, column: str, key: str) -> str:
    """A JSON object's key as text (``key`` is a constant of ours, never user input)."""
    if is_pg(connection):
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def date_literal(connection: BaseDatabaseWrapper) -> str:
    """A placeholder for a date parameter, typed as a date."""
    return "CAST(%s AS date)" if is_pg(connection) else "date(%s)"


def date_param(connection: BaseDatabaseWrapper, value: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def ts_param(connection: BaseDatabaseWrapper, value: datetime.datetime) -> Any:
    """A timestamp parameter stored the way the vendor stores it (naive UTC on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def to_date(value: Any) -> datetime.date | None:
    """A date column read back by raw SQL (SQLite gives text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])

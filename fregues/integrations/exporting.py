"""Streaming CSV export of parties and interactions: one engine for the CLI, the API and the UI.

Why it looks like this:

- **The same rows as the lists.** The parties are those of ``party_list`` (the customer list's
  selector, with its permission check and filters); the selector's queryset, compiled to SQL,
  becomes the ``WHERE id IN (...)`` of the export query, so a filter added to the list reaches
  the export by itself. Interactions take the filters of ``interaction_list``.
- **One query, whatever the row count.** The primary e-mail, phone and postal address, the tags
  and the external id are looked up in SQL (PostgreSQL: one derived table per lookup, a row
  per party, merge-joined in id order; SQLite: correlated subqueries on the ``(party, kind)``
  index), never a query per row.
- **Constant memory, server speed.** On PostgreSQL the server writes the CSV itself
  (``COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)``) and psycopg 3 streams it; rows are
  gathered into ~64 KB chunks. On SQLite a raw cursor is read with ``fetchmany`` through
  ``csv.writer``. Either way nothing holds more than one chunk.
- **It imports back as is.** The header is the canonical field names of ``fields.py``:

  parties: ``id``; ``external_id`` the bare code, as the importer reads it (it takes the
  source system from its ``--source`` option): the party's code in the ``source`` asked for,
  else its first by source then code; ``email`` and ``phone`` the *primary* ones (services
  keep exactly one primary per kind); ``owner`` the relationship manager's username; ``tags``
  the tag names joined by ``;`` in the order the tags were created (the list separator of
  Lusophone spreadsheets; the importer splits on it); ``birth_date`` ``YYYY-MM-DD``;
  ``street`` … ``postal_code`` the primary postal address.

  interactions: ``occurred_at`` ISO-8601 in UTC with its offset (``2026-01-31T14:05:00+00:00``);
  ``party_external_id`` / ``party_email`` / ``party_phone`` as above for the interaction's party;
  ``agent`` the username; ``body`` empty for roles without ``interaction.view_body``
  (marketing), as on the screens.

  Rows come in id order (the cheapest stable order); empty values are empty cells.
- **Excel.** ``bom=True`` puts a UTF-8 byte-order mark first so Excel reads the accents right:
  on for the UI download, off by default for the CLI and the API.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import time
from collections.abc import Generator, Iterator, Mapping
from typing import Any, BinaryIO

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid
from fregues.core.permissions import can, require
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, ExternalId, Party, Tag
from fregues.parties.selectors import party_list

from .fields import INTERACTION_FIELDS, PARTY_FIELDS

BOM = "\ufeff".encode()
CHUNK_BYTES = 64 * 1024
FETCH_ROWS = 500  # SQLite rows per fetch: ~64 KB of CSV

PARTY_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in PARTY_FIELDS)
INTERACTION_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in INTERACTION_FIELDS)
PARTY_FILTERS = ("q", "kind", "lifecycle_stage", "owner_id", "tag")
INTERACTION_FILTERS = ("party_id", "channel", "direction", "agent_id", "since", "until")
TAG_SEPARATOR = ";"
ADDRESS_PARTS = ("street", "number", "complement", "district", "city", "region", "postal_code")


# ---------------------------------------------------------------- the stream


class CsvStream:
    """The CSV of one export as an iterable of encoded chunks (bytes, ~64 KB each).

    The query runs when iteration starts, so a view can hand this to a
    ``StreamingHttpResponse`` after the permission checks have passed. ``rows`` holds the number
    of data rows once the stream is exhausted. ``close()`` (called by Django when the client
    goes away) stops the query and leaves the connection usable.
    """

    def __init__(
        self, sql: str, params: list[Any], columns: tuple[str, ...], *, bom: bool = False
    ) -> None:
        self.sql = sql
        self.params = params
        self.columns = columns
        self.bom = bom
        self.rows = 0
        self._running: Generator[bytes] | None = None

    def header(self) -> bytes:
        return (BOM if self.bom else b"") + (",".join(self.columns) + "\n").encode()

    def __iter__(self) -> Iterator[bytes]:
        self._running = self._chunks()
        return self._running

    def close(self) -> None:
        if self._running is not None:
            self._running.close()

    def write_to(self, out: BinaryIO) -> int:
        """Write the whole CSV to a binary file; the number of data rows."""
        for chunk in self:
            out.write(chunk)
        return self.rows

    def _chunks(self) -> Generator[bytes]:
        yield self.header()
        if connection.vendor == "postgresql":
            yield from self._copy()
        else:
            yield from self._fetch()

    def _logged(self, cursor: Any) -> Any:
        """Record the query where Django's debug cursor would (query counts in tests, the
        debug toolbar): COPY runs on the driver's cursor, which Django does not see."""
        debug_sql = getattr(cursor, "debug_sql", None)
        return debug_sql(self.sql, self.params) if debug_sql else contextlib.nullcontext()

    def _copy(self) -> Generator[bytes]:
        """PostgreSQL writes the CSV; psycopg hands it over a row per message, gathered here.

        In its own transaction (a savepoint inside one), so that ``_PG_SETTINGS`` hold for this
        statement only; and a stream stopped half-way (psycopg cancels the COPY) rolls back
        just that, leaving the connection and any outer transaction usable.
        """
        statement = f"COPY ({self.sql}) TO STDOUT WITH (FORMAT csv)"
        with transaction.atomic(), connection.cursor() as cursor:
            driver = cursor.cursor
            for setting in _PG_SETTINGS:
                driver.execute(setting)
            with self._logged(cursor), driver.copy(statement, self.params) as copy:
                buffer: list[bytes] = []
                size = 0
                for data in copy:  # one CopyData message per row
                    buffer.append(bytes(data))
                    size += len(data)
                    if size >= CHUNK_BYTES:
                        self.rows += len(buffer)
                        yield b"".join(buffer)
                        buffer, size = [], 0
                if buffer:
                    self.rows += len(buffer)
                    yield b"".join(buffer)

    def _fetch(self) -> Generator[bytes]:
        """SQLite: rows in batches through csv.writer, one batch per chunk."""
        parts: list[str] = []
        writer = csv.writer(_Appender(parts), lineterminator="\n")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            while batch := cursor.fetchmany(FETCH_ROWS):
                writer.writerows(batch)
                self.rows += len(batch)
                yield "".join(parts).encode()
                parts.clear()


_PG_SETTINGS = (
    # compiling the big plan cost more time than it saved (2.5 s of 20 on 1 M parties)
    "SET LOCAL jit = off",
    # the per-party sorts and hashes of a large export in memory rather than temp files
    "SET LOCAL work_mem = '32MB'",
    # one process: parallel workers each rebuilt the lookups' hash tables, and the other core
    # is busy streaming the rows out
    "SET LOCAL max_parallel_workers_per_gather = 0",
    # dates as YYYY-MM-DD whatever the server's default
    "SET LOCAL datestyle = 'ISO, YMD'",
)


class _Appender:
    """A file-like ``write`` that appends to a list: csv.writer without an io.StringIO copy."""

    __slots__ = ("write",)

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


# ---------------------------------------------------------------- parties


def party_export(
    *, actor: Any, filters: Mapping[str, Any], bom: bool = False, source: str = ""
) -> CsvStream:
    """The parties of the customer list under ``filters`` (``q``, ``kind``,
    ``lifecycle_stage``, ``owner_id``, ``tag``) as a CSV stream; checks the permissions now.
    ``source`` picks whose code fills ``external_id`` (default: the first by source, code)."""
    require(actor, "data.export")
    chosen = _known(filters, PARTY_FILTERS)
    selection = party_list(actor=actor, **chosen)
    ids = _Sql.of(selection)
    sql = _party_sql(ids, whole=_is_large(ids, chosen), source=source)
    return CsvStream(sql.text, sql.params, PARTY_COLUMNS, bom=bom)


def _party_sql(ids: _Sql, *, whole: bool, source: str) -> _Sql:
    """One row per selected party, in PARTY_COLUMNS order. ``whole``: the selection is all or
    much of the table, so each lookup reads its whole table rather than probe it per party."""
    t = _tables()
    if connection.vendor == "postgresql":
        # One derived table per lookup, merge-joined in id order. A small selection is
        # computed once and each lookup probes it by index (a handful of parties costs a
        # handful of reads); a large one is better served by whole-table scans.
        within = _Sql("" if whole else " AND party_id IN (SELECT id FROM chosen)")
        head, rows = (_Sql(""), ids) if whole else (_with_chosen(ids, "id"), _Sql(_CHOSEN))
        return (
            head
            + _Sql(
                "SELECT p.id, x.code, p.kind, p.name, p.given_name, p.family_name, "
                "p.legal_name, e.value, f.value, p.tax_id, p.country, p.language, p.birth_date, "
                "p.lifecycle_stage, p.tier, p.preferred_channel, u.username, t.tags, "
                + ", ".join(f"a.{part}" for part in ADDRESS_PARTS)
                + f" FROM {t.party} p LEFT JOIN {t.user} u ON u.id = p.owner_id LEFT JOIN ("
            )
            + _pg_primary("value", "email", within)
            + ") e ON e.party_id = p.id LEFT JOIN ("
            + _pg_primary("value", "phone", within)
            + ") f ON f.party_id = p.id LEFT JOIN ("
            + _pg_primary(", ".join(ADDRESS_PARTS), "address", within)
            + ") a ON a.party_id = p.id LEFT JOIN ("
            + _pg_codes(within, source)
            + ") x ON x.party_id = p.id"
            f" LEFT JOIN (SELECT party_id, string_agg(g.name, '{TAG_SEPARATOR}'"
            f" ORDER BY l.tag_id) AS tags FROM {t.link} l JOIN {t.tag} g ON g.id = l.tag_id"
            " WHERE true"
            + within
            + " GROUP BY party_id) t ON t.party_id = p.id WHERE p.id IN ("
            + rows
            + ") ORDER BY p.id"
        )
    # SQLite: correlated lookups on the (party, kind) index, no sorting per row.
    return (
        _Sql(
            "SELECT p.id, p.code, p.kind, p.name, p.given_name, p.family_name, p.legal_name, "
            "p.email, p.phone, p.tax_id, p.country, p.language, p.birth_date, p.lifecycle_stage, "
            "p.tier, p.preferred_channel, u.username, p.tags, "
            + ", ".join(f"a.{part}" for part in ADDRESS_PARTS)
            + " FROM (SELECT p.*, "
        )
        + _lite_code("p.id", source)
        + " AS code, "
        f"(SELECT group_concat(g.name, '{TAG_SEPARATOR}') FROM {t.link} l"
        f" JOIN {t.tag} g ON g.id = l.tag_id WHERE l.party_id = p.id) AS tags, "
        f"{_lite_primary('value', 'email', 'p.id')} AS email, "
        f"{_lite_primary('value', 'phone', 'p.id')} AS phone, "
        f"{_lite_primary('id', 'address', 'p.id')} AS address_id "
        f"FROM {t.party} p WHERE p.id IN ("
        + ids
        + f")) p LEFT JOIN {t.user} u ON u.id = p.owner_id"
        f" LEFT JOIN {t.point} a ON a.id = p.address_id ORDER BY p.id"
    )


# ---------------------------------------------------------------- interactions


def interaction_export(
    *, actor: Any, filters: Mapping[str, Any], bom: bool = False, source: str = ""
) -> CsvStream:
    """The interactions of the interaction list under ``filters`` (``party_id``, ``channel``,
    ``direction``, ``agent_id``, ``since``, ``until``) as a CSV stream; checks permissions now.

    ``since`` / ``until`` take a datetime or a date (ISO text too): ``since`` a date means from
    its first moment, ``until`` a date means through its last moment (a datetime: before it,
    as in the list).
    """
    require(actor, "data.export")
    require(actor, "interaction.view")
    chosen = _known(filters, INTERACTION_FILTERS)
    selection = _interaction_selection(**chosen)
    sql = _interaction_sql(
        selection,
        whole=_is_large(_Sql.of(selection), chosen),
        show_body=can(actor, "interaction.view_body"),
        source=source,
    )
    return CsvStream(sql.text, sql.params, INTERACTION_COLUMNS, bom=bom)


def _interaction_selection(
    *,
    party_id: Any = None,
    channel: str | None = None,
    direction: str | None = None,
    agent_id: Any = None,
    since: Any = None,
    until: Any = None,
) -> QuerySet[Interaction]:
    """The rows of ``interaction_list`` with the same filters. That selector answers a page,
    not a queryset, so its filters are repeated here; keep the two in step."""
    qs = Interaction.objects.all()
    if party_id:
        qs = qs.filter(party_id=_integer(party_id, "party_id"))
    if channel:
        qs = qs.filter(channel=channel)
    if direction:
        qs = qs.filter(direction=direction)
    if agent_id:
        qs = qs.filter(agent_id=_integer(agent_id, "agent_id"))
    if since:
        qs = qs.filter(occurred_at__gte=moment(since, field="since"))
    if until:
        qs = qs.filter(occurred_at__lt=moment(until, field="until", end=True))
    return qs


def _interaction_sql(
    selection: QuerySet[Interaction], *, whole: bool, show_body: bool, source: str
) -> _Sql:
    """One row per selected interaction, in INTERACTION_COLUMNS order, by id."""
    t = _tables()
    body = "i.body" if show_body else "''"
    if connection.vendor == "postgresql":
        within = _Sql("" if whole else " AND party_id IN (SELECT party_id FROM chosen)")
        ids = _Sql.of(selection, "pk", "party_id")
        head, rows = (
            (_Sql(""), _Sql.of(selection))
            if whole
            else (
                _with_chosen(ids, "id, party_id"),
                _Sql(_CHOSEN),
            )
        )
        # ISO-8601 in UTC whatever the session's time zone (the cheapest way found).
        occurred = "replace((i.occurred_at AT TIME ZONE 'UTC')::text, ' ', 'T') || '+00:00'"
        return (
            head
            + _Sql(
                "SELECT i.external_id, i.party_id, x.code, e.value, f.value, i.channel, "
                f"i.direction, {occurred}, i.subject, {body}, i.outcome, i.duration_seconds, "
                f"u.username FROM {t.interaction} i LEFT JOIN {t.user} u ON u.id = i.agent_id"
                " LEFT JOIN ("
            )
            + _pg_primary("value", "email", within)
            + ") e ON e.party_id = i.party_id LEFT JOIN ("
            + _pg_primary("value", "phone", within)
            + ") f ON f.party_id = i.party_id LEFT JOIN ("
            + _pg_codes(within, source)
            + ") x ON x.party_id = i.party_id WHERE i.id IN ("
            + rows
            + ") ORDER BY i.id"
        )
    # SQLite keeps naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return (
        _Sql("SELECT i.external_id, i.party_id, ")
        + _lite_code("i.party_id", source)
        + f", {_lite_primary('value', 'email', 'i.party_id')}"
        f", {_lite_primary('value', 'phone', 'i.party_id')}"
        ", i.channel, i.direction, replace(i.occurred_at, ' ', 'T') || '+00:00', i.subject, "
        f"{body}, i.outcome, i.duration_seconds, u.username FROM {t.interaction} i"
        f" LEFT JOIN {t.user} u ON u.id = i.agent_id WHERE i.id IN ("
        + _Sql.of(selection)
        + ") ORDER BY i.id"
    )


# ---------------------------------------------------------------- SQL pieces


class _Sql:
    """SQL text with its parameters, in order, so pieces compose with ``+``."""

    __slots__ = ("params", "text")

    def __init__(self, text: str, params: tuple[Any, ...] = ()) -> None:
        self.text = text
        self.params = list(params)

    def __add__(self, other: _Sql | str) -> _Sql:
        if isinstance(other, str):
            return _Sql(self.text + other, tuple(self.params))
        return _Sql(self.text + other.text, (*self.params, *other.params))

    def __radd__(self, other: str) -> _Sql:
        return _Sql(other + self.text, tuple(self.params))

    @classmethod
    def of(cls, selection: QuerySet[Any], *columns: str) -> _Sql:
        """``SELECT <columns> FROM ... WHERE <the selector's filters>`` with its params."""
        columns = columns or ("pk",)
        try:
            text, params = selection.order_by().values(*columns).query.sql_with_params()
        except EmptyResultSet:  # a filter Django knows matches nothing
            nothing = ", ".join("0" for _column in columns)  # no id is 0
            return cls(f"SELECT {nothing} WHERE 1 = 0")
        return cls(text, tuple(params))


class _Tables:
    def __init__(self) -> None:
        self.party = Party._meta.db_table
        self.point = ContactPoint._meta.db_table
        self.external = ExternalId._meta.db_table
        self.link = Party.tags.through._meta.db_table
        self.tag = Tag._meta.db_table
        self.user = get_user_model()._meta.db_table
        self.interaction = Interaction._meta.db_table


def _tables() -> _Tables:
    return _Tables()


_CHOSEN = "SELECT id FROM chosen"
LARGE_SELECTION = 50_000  # rows from which whole-table lookups beat probing per row


def _is_large(ids: _Sql, filters: Mapping[str, Any]) -> bool:
    """Whether the selection is all or much of the table: no filters, or (PostgreSQL) the
    planner expects many rows. Its estimate, not a count: planning takes milliseconds and
    works on a read-only replica. (SQLite probes per row either way.)"""
    if not filters:
        return True
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + ids.text, ids.params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"]) >= LARGE_SELECTION


def _with_chosen(ids: _Sql, columns: str) -> _Sql:
    """PostgreSQL: the selection computed once (it may be a search or a join) and read by the
    main query and each lookup alike."""
    return f"WITH chosen({columns}) AS MATERIALIZED (" + ids + ") "


def _pg_codes(within: _Sql, source: str) -> _Sql:
    """PostgreSQL: each party's external code — in ``source``, or the first by source."""
    t = _tables()
    if source:
        return (
            _Sql(
                f"SELECT DISTINCT ON (party_id) party_id, code FROM {t.external} WHERE source = %s",
                (source,),
            )
            + within
            + " ORDER BY party_id, code"
        )
    return (
        _Sql(f"SELECT DISTINCT ON (party_id) party_id, code FROM {t.external} WHERE true")
        + within
        + " ORDER BY party_id, source, code"
    )


def _pg_primary(columns: str, kind: str, within: _Sql) -> _Sql:
    """PostgreSQL: each party's primary contact point of ``kind`` (the first, should a party
    ever hold two: one row per party, whatever the data)."""
    return (
        _Sql(
            f"SELECT DISTINCT ON (party_id) party_id, {columns} FROM {_tables().point}"
            f" WHERE kind = '{kind}' AND is_primary"
        )
        + within
        + " ORDER BY party_id, id"
    )


def _lite_code(party: str, source: str) -> _Sql:
    """SQLite: a party's external code — in ``source``, or the first by source then code."""
    t = _tables()
    if source:
        return _Sql(
            f"(SELECT min(code) FROM {t.external} WHERE party_id = {party} AND source = %s)",
            (source,),
        )
    return _Sql(
        f"(SELECT code FROM {t.external} WHERE party_id = {party} ORDER BY source, code LIMIT 1)"
    )


def _lite_primary(column: str, kind: str, party: str) -> str:
    """SQLite: a column of the party's primary contact point of ``kind``."""
    return (
        f"(SELECT {column} FROM {_tables().point} WHERE party_id = {party}"
        f" AND kind = '{kind}' AND is_primary LIMIT 1)"
    )


# ---------------------------------------------------------------- entry points


def export_parties(
    *, actor: Any, filters: Mapping[str, Any], out: BinaryIO, bom: bool = False, source: str = ""
) -> int:
    """Write the parties CSV to ``out``; the number of rows written. (The bench calls this.)"""
    return party_export(actor=actor, filters=filters, bom=bom, source=source).write_to(out)


def export_interactions(
    *, actor: Any, filters: Mapping[str, Any], out: BinaryIO, bom: bool = False, source: str = ""
) -> int:
    """Write the interactions CSV to ``out``; the number of rows written."""
    return interaction_export(actor=actor, filters=filters, bom=bom, source=source).write_to(out)


def timed_export(stream: CsvStream, out: BinaryIO) -> tuple[int, float]:
    """Write ``stream`` to ``out``: (rows, seconds)."""
    started = time.perf_counter()
    rows = stream.write_to(out)
    return rows, time.perf_counter() - started


def csv_response(stream: CsvStream, kind: str) -> StreamingHttpResponse:
    """The HTTP answer of the API and the UI alike: a streamed download named after the kind
    and the day (``fregues-parties-2026-11-22.csv``)."""
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind)}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(kind: str, today: datetime.date | None = None) -> str:
    """``fregues-parties-2026-11-22.csv``: the kind and the local date of the export."""
    day = today or timezone.localdate()
    return f"fregues-{kind}-{day.isoformat()}.csv"


# ---------------------------------------------------------------- input


def moment(value: Any, *, field: str, end: bool = False) -> datetime.datetime:
    """A filter bound as an aware datetime. A date (or ``YYYY-MM-DD``) is its first moment in
    the local time zone — with ``end``, the first moment of the next day, so "until the 31st"
    includes the 31st. A naive datetime is local time."""
    if isinstance(value, datetime.datetime):
        result = value
    elif isinstance(value, datetime.date):
        result = _day_start(value, end)
    else:
        text = str(value).strip()
        day = parse_date(text) if len(text) == 10 else None
        if day is not None:
            result = _day_start(day, end)
        else:
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
            if parsed is None:
                raise Invalid.field(
                    field,
                    _("Give a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)."),
                    code="invalid_date",
                )
            result = parsed
    return timezone.make_aware(result) if timezone.is_naive(result) else result


def _day_start(day: datetime.date, end: bool) -> datetime.datetime:
    if end:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _integer(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid.field(field, _("Give a whole number."), code="invalid_number") from exc


def _known(filters: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The filters among ``names`` with a value; an unknown name is an error, not ignored,
    so a typo never exports everything."""
    unknown = sorted(set(filters) - set(names))
    if unknown:
        raise Invalid(
            _("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_filter",
            errors={name: [_("Unknown filter.")] for name in unknown},
        )
    return {name: value for name, value in filters.items() if value not in (None, "")}

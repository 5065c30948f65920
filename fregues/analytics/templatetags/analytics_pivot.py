"""Server-side SVG charts of a pivot result (no chart library, no CDN) and the table's
helpers.

``{% pivot_chart result "bar" %}``: one dimension → horizontal bars (labels readable at
360 px) or a line (``"line"``, for time); two dimensions → stacked horizontal bars, one colour
per column value, with a legend. The SVG scales with its box (``viewBox``); it carries a
title and the table beside it is the accessible form of the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#84cc16", "#ec4899"]
WIDTH = 640
BAR = 22
GAP = 8
LABEL_W = 150
MAX_BARS = 30


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def _fmt(value: Any) -> str:
    """A number in the reader's language (``1.234,50`` in pt-BR, ``1,234.50`` in English)."""
    if value is None:
        return ""
    return number_format(value, use_l10n=True, force_grouping=True)


def _n(value: float) -> str:
    """A coordinate as text (format_html escapes its arguments before formatting them)."""
    return f"{value:.1f}"


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _svg(height: int, title: str, body: Sequence[str]) -> SafeString:
    head = format_html(
        '<svg class="pivot-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>",
        WIDTH,
        height,
        title,
        title,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # nosec B308 B703: every part went through format_html


def _bars(result: dict[str, Any], title: str) -> SafeString:
    rows = result["rows"]["values"][:MAX_BARS]
    values = [_num(v) for v in result["row_totals"][:MAX_BARS]]
    top = max([abs(v) for v in values] + [1e-9])
    span = WIDTH - LABEL_W - 80
    body: list[str] = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = i * (BAR + GAP) + GAP
        w = max(abs(value) / top * span, 0 if value == 0 else 1)
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="pc-label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" class="pc-value">{}</text>',
                LABEL_W - 6,
                y + BAR * 0.7,
                _short(row["label"]),
                LABEL_W,
                y,
                _n(w),
                BAR,
                PALETTE[0] if value >= 0 else PALETTE[3],
                row["label"],
                _fmt(result["row_totals"][i]),
                _n(LABEL_W + w + 4),
                y + BAR * 0.7,
                _fmt(result["row_totals"][i]),
            )
        )
    return _svg(len(rows) * (BAR + GAP) + GAP, title, body)


def _line(result: dict[str, Any], title: str) -> SafeString:
    rows = result["rows"]["values"]
    values = [_num(v) for v in result["row_totals"]]
    height, pad = 240, 36
    low, high = min([0.0, *values]), max([*values, 1e-9])
    step = (WIDTH - 2 * pad) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        return height - pad - (v - low) / (high - low or 1) * (height - 2 * pad)

    points = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    body = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="pc-axis" stroke="#cbd5e1"/>',
            pad,
            _n(y(0)),
            WIDTH - pad,
            _n(y(0)),
        ),
        format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>', points, PALETTE[0]
        ),
    ]
    every = max(1, len(rows) // 8)
    for i, (row, v) in enumerate(zip(rows, values, strict=True)):
        body.append(
            format_html(
                '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}: {}</title></circle>',
                _n(pad + i * step),
                _n(y(v)),
                PALETTE[0],
                row["label"],
                _fmt(result["row_totals"][i]),
            )
        )
        if i % every == 0:
            body.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" class="pc-label">{}</text>',
                    _n(pad + i * step),
                    height - 10,
                    _short(row["label"], 10),
                )
            )
    return _svg(height, title, body)


def _stacked(result: dict[str, Any], title: str) -> SafeString:
    rows = result["rows"]["values"][:MAX_BARS]
    cols = result["columns"]["values"]
    grid = [[max(_num(v), 0.0) for v in line] for line in result["cells"][:MAX_BARS]]
    top = max([sum(line) for line in grid] + [1e-9])
    span = WIDTH - LABEL_W - 20
    body: list[str] = []
    for i, (row, line) in enumerate(zip(rows, grid, strict=True)):
        y = i * (BAR + GAP) + GAP
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="pc-label">{}</text>',
                LABEL_W - 6,
                y + BAR * 0.7,
                _short(row["label"]),
            )
        )
        x = float(LABEL_W)
        for j, value in enumerate(line):
            if value <= 0:
                continue
            w = value / top * span
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} · {}: {}</title></rect>",
                    _n(x),
                    y,
                    _n(w),
                    BAR,
                    PALETTE[j % len(PALETTE)],
                    row["label"],
                    cols[j]["label"],
                    _fmt(result["cells"][i][j]),
                )
            )
            x += w
    legend_y = len(rows) * (BAR + GAP) + GAP + 4
    for j, col in enumerate(cols):
        x = (j % 4) * (WIDTH // 4)
        yy = legend_y + (j // 4) * 20
        body.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}" class="pc-label">{}</text>',
                x,
                yy,
                PALETTE[j % len(PALETTE)],
                x + 16,
                yy + 11,
                _short(col["label"], 18),
            )
        )
    return _svg(legend_y + ((len(cols) + 3) // 4) * 20 + 4, title, body)


@register.simple_tag
def pivot_chart(result: dict[str, Any] | None, chart: str = "bar", title: str = "") -> SafeString:
    """The SVG chart of a pivot result (nothing for ``chart="table"`` or an empty result)."""
    if not result or chart == "table" or not result["rows"]["values"]:
        return mark_safe("")  # nosec B308 B703: empty
    label = title or _("%(measure)s by %(rows)s") % {
        "measure": result["measure"]["label"],
        "rows": result["rows"]["label"],
    }
    if result["columns"]:
        return _stacked(result, str(label))
    if chart == "line":
        return _line(result, str(label))
    return _bars(result, str(label))


@register.filter
def pivot_number(value: Any) -> str:
    """A cell as text: thousands separated, empty for no value."""
    return escape(_fmt(value))


@register.simple_tag
def pivot_cell(result: dict[str, Any], i: int, j: int) -> Any:
    return result["cells"][i][j]


@register.simple_tag
def pivot_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's rows for a template: label, value, the cells with their column, total."""
    cols = result["columns"]["values"] if result["columns"] else []
    out = []
    for i, row in enumerate(result["rows"]["values"]):
        cells = result["cells"][i] if cols else []
        out.append(
            {
                "value": row["value"],
                "label": row["label"],
                "cells": [
                    {"value": v, "column": c["value"], "column_label": c["label"]}
                    for v, c in zip(cells, cols, strict=True)
                ],
                "total": result["row_totals"][i],
            }
        )
    return out

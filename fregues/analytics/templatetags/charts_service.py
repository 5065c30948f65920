"""``{% service_bar_chart points title %}``: a bar chart drawn as server-side SVG (no
JavaScript, no CDN) for the service and retention screens. Each point is ``(label, value)``;
a value of None draws no bar. The chart is an image with a title; the table beside it carries
the same figures for screen readers."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

WIDTH = 640
HEIGHT = 220
TOP = 16
BOTTOM = 40  # room for the labels
LEFT = 36


def _nice_max(value: float) -> float:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def chart_geometry(
    points: list[tuple[str, float | None]], top: float | None = None
) -> dict[str, Any]:
    """The bars' boxes in the SVG's coordinates (also used by the tests)."""
    values = [v for _l, v in points if v is not None]
    ceiling = top if top is not None else _nice_max(max(values, default=0.0))
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - 8
    slot = plot_w / max(len(points), 1)
    bar_w = max(min(slot * 0.7, 48), 2)
    every = max(1, len(points) // 12)  # label at most ~12 bars
    bars = []
    for i, (label, value) in enumerate(points):
        h = 0.0 if value is None else plot_h * min(float(value), ceiling) / ceiling
        x = LEFT + i * slot + (slot - bar_w) / 2
        bars.append(
            {
                "x": round(x, 1),
                "y": round(TOP + plot_h - h, 1),
                "w": round(bar_w, 1),
                "h": round(h, 1),
                "label": label,
                "value": value,
                "show_label": i % every == 0,
                "label_x": round(x + bar_w / 2, 1),
            }
        )
    return {
        "bars": bars,
        "ceiling": ceiling,
        "width": WIDTH,
        "height": HEIGHT,
        "base_y": TOP + plot_h,
        "top_y": TOP,
        "left": LEFT,
        "label_y": HEIGHT - BOTTOM + 16,
    }


@register.inclusion_tag("analytics/partials/service_chart.html")
def service_bar_chart(
    points: list[tuple[str, float | None]], title: str, unit: str = "", top: Any = None
) -> dict[str, Any]:
    """``top``: the axis' top (100 for a percentage); blank or missing: rounded from the data."""
    ceiling = float(top) if top not in (None, "") else None
    return {"chart": chart_geometry(points, ceiling), "title": title, "unit": unit}

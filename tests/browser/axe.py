"""Accessibility checks in the browser tests: axe-core (Deque's engine, vendored by the
``axe-playwright-python`` package, no CDN) run on the page as the user sees it."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

# WCAG 2.1 A and AA rules.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serious_violations(page: Any) -> list[str]:
    """The serious and critical WCAG 2.1 AA violations on the current page, one line each
    (rule, impact, the first offending element), empty when the page passes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target'] if v['nodes'] else ''} — {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]

"""Panels the apps above this one add to the case page, without this app importing them.

An app registers a template from its ``AppConfig.ready()`` (``register_case_panel``); the case
page includes each one under the timeline with the page's context (``case``, ``may_log``...).
The e-mail reply form of ``integrations`` is one: the case screen offers it, the SMTP side
stays in integrations.
"""

from __future__ import annotations

CASE_PANELS: list[str] = []


def register_case_panel(template_name: str) -> None:
    if template_name not in CASE_PANELS:
        CASE_PANELS.append(template_name)

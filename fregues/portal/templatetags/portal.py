from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from ..nav import SECTIONS

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_sections(context: Any) -> list[dict[str, Any]]:
    """The portal's sections with their address and whether the page is one of theirs."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match else ""
    sections = []
    for url_name, label, description in SECTIONS:
        url = reverse(url_name)
        path = getattr(request, "path", "")
        sections.append(
            {
                "url": url,
                "label": label,
                "description": description,
                "current": current == url_name or (path.startswith(url) and url != "/portal/"),
            }
        )
    return sections

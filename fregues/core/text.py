"""Text helpers shared by search and matching: accent- and case-folding."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: "  João  D'Ávila" → "joao d'avila"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())

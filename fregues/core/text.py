"""Text helpers shared by search and matching: accent- and case-folding."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D+")


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: "  João  D'Ávila" → "joao d'avila"."""
    if not text:
        return ""
    if text.isascii():  # most names and every e-mail: nothing to decompose (bulk imports)
        return _SPACES.sub(" ", text).strip().casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def digits(text: str | None) -> str:
    """The ASCII digits of ``text`` ("(11) 98765-4321" → "11987654321")."""
    if not text:
        return ""
    if text.isascii():
        return _NOT_DIGITS.sub("", text)
    return "".join(ch for ch in text if ch.isdigit())

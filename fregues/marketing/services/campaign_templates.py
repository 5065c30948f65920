"""Campaign texts: Django templates with a small, safe vocabulary.

A marketer writes ``Olá {{ first_name }}, o {{ preferred_product }} chegou``; the text is
compiled by an engine of its own (no loaders: ``{% include %}`` and ``{% extends %}`` cannot
reach the project's files) and checked against the tags, filters and names below, so a
campaign can never print another customer's data or a setting. Rendering is plain text (no
HTML escaping); links are rewritten to counted redirects when the message is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext as _

# What a campaign text may use.
NAMES = ("first_name", "name", "preferred_product", "unsubscribe_url")
SAFE_TAGS = frozenset(
    {"if", "elif", "else", "endif", "firstof", "comment", "endcomment", "spaceless", "endspaceless"}
)
SAFE_FILTERS = frozenset(
    {"upper", "lower", "title", "capfirst", "default", "default_if_none", "truncatewords",
     "truncatechars", "cut", "linebreaksbr", "yesno", "length"}
)  # fmt: skip
URL_RE = re.compile(r"https?://[^\s<>\"'()]+")
_TRAILING = ".,;:!?"

_ENGINE = Engine(debug=False, loaders=[], libraries={}, autoescape=False)


def _names_in(expression: str) -> list[str]:
    """The variable names (first part of each dotted path) an expression reads."""
    names: list[str] = []
    for piece in re.split(r"\s+", expression.strip()):
        piece = piece.split("|")[0].split(":")[0]
        if not piece or piece[0] in "\"'0123456789-" or piece in ("and", "or", "not", "in", "is"):
            continue
        if piece in ("==", "!=", "<", ">", "<=", ">=", "None", "True", "False"):
            continue
        names.append(piece.split(".")[0])
    return names


def template_problems(source: str) -> list[str]:
    """What is wrong with a campaign text (empty when it compiles and stays in the vocabulary)."""
    problems: list[str] = []
    for token in Lexer(source or "").tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0] if token.contents.split() else ""
            if tag not in SAFE_TAGS:
                problems.append(_("The tag {%% %(tag)s %%} is not allowed here.") % {"tag": tag})
                continue
            if tag in ("if", "elif", "firstof"):
                rest = token.contents.split(None, 1)[1] if " " in token.contents else ""
                problems += _unknown(_names_in(rest))
                problems += _filters(rest)
        elif token.token_type == TokenType.VAR:
            problems += _unknown(_names_in(token.contents.split("|")[0]))
            problems += _filters(token.contents)
    if problems:
        return list(dict.fromkeys(problems))
    try:
        _ENGINE.from_string(source or "")
    except TemplateSyntaxError as exc:
        return [_("The text does not compile: %(error)s") % {"error": exc}]
    return []


def _unknown(names: list[str]) -> list[str]:
    return [
        _("Unknown name “%(name)s”: use %(names)s.")
        % {"name": name, "names": ", ".join(f"{{{{ {n} }}}}" for n in NAMES)}
        for name in names
        if name not in NAMES
    ]


def _filters(expression: str) -> list[str]:
    found = [part.split(":")[0].strip() for part in expression.split("|")[1:]]
    return [
        _("The filter “%(name)s” is not allowed here.") % {"name": name}
        for name in found
        if name.split()[0] not in SAFE_FILTERS
    ]


def render_text(source: str, context: dict[str, Any]) -> str:
    """Render a checked campaign text with ``context`` (only the allowed names)."""
    values = {name: context.get(name, "") for name in NAMES}
    return _ENGINE.from_string(source or "").render(Context(values, autoescape=False))


def rewrite_links(text: str, tracked: Callable[[str], str], keep: tuple[str, ...] = ()) -> str:
    """Replace each http(s) link of ``text`` by ``tracked(url)`` (the unsubscribe link and
    anything in ``keep`` stay as they are)."""

    def swap(match: re.Match[str]) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in _TRAILING:
            url, tail = url[:-1], url[-1] + tail
        if not url or any(url.startswith(k) for k in keep if k):
            return match.group(0)
        return tracked(url) + tail

    return URL_RE.sub(swap, text)


def links_in(text: str) -> list[str]:
    """The distinct http(s) links of a text, in order."""
    out: list[str] = []
    for match in URL_RE.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        if url and url not in out:
            out.append(url)
    return out

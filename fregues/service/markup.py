"""Markdown for knowledge-base articles, rendered to HTML that is safe to show anywhere.

Articles are written by staff but shown to every agent and, when public, to customers on the
portal, so the HTML is never trusted: Markdown (with the raw HTML it allows) is rendered first,
then cleaned by ``nh3`` (the ammonia sanitiser) against the allow-list below.

Sanitiser policy
----------------
* Elements: paragraphs and line breaks, headings h1–h6, emphasis (strong, em, b, i, u, s, del,
  ins, mark, small, sub, sup), code (code, pre, kbd, samp, var), quotes (blockquote, q),
  lists (ul, ol, li, dl, dt, dd), tables (table, caption, thead, tbody, tfoot, tr, th, td),
  links, images, abbr, hr, div/span, details/summary. Anything else (script, style, iframe,
  object, embed, form, input, svg, math, video, audio, link, meta, base...) is removed; the
  contents of ``script`` and ``style`` go with them, other unknown elements keep their text.
* Attributes: only those listed per element in ``ATTRIBUTES`` — never ``on*`` event handlers,
  never ``style`` except ``text-align`` on table cells (Markdown's column alignment), never
  ``target``. ``class`` survives only as ``language-*`` on ``code`` (fenced code) and the
  footnote classes Markdown writes. ``id`` (footnotes, ``{#id}``) is prefixed with
  ``kb-`` so it cannot clash with the page around the article; ``#fragment`` links follow.
* Links: ``http``, ``https`` and ``mailto`` URLs, and relative ones (``/path``, ``#anchor``).
  ``javascript:``, ``data:``, ``vbscript:`` and every other scheme lose their ``href``.
  Every link gets ``rel="noopener noreferrer nofollow"``.
* Images: ``https://`` or a same-site path (``/media/...``; not ``//host``) only.
  ``http`` (mixed content) and ``data:`` images are dropped. Note for public articles: an
  image from another host lets that host see who reads the article on the portal; prefer
  images served by Freguês itself.
* Comments are removed.
"""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import nh3

ID_PREFIX = "kb-"
LINK_REL = "noopener noreferrer nofollow"
URL_SCHEMES = frozenset({"http", "https", "mailto"})

TAGS = frozenset(
    {
        "p", "br", "hr", "div", "span",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
        "code", "pre", "kbd", "samp", "var",
        "blockquote", "q", "abbr",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "a", "img", "details", "summary",
    }
)  # fmt: skip

_WITH_ID = ("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "dt", "p", "div", "span")
ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "ol": {"start"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "td": {"style", "colspan", "rowspan"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ins": {"cite", "datetime"},
    "del": {"cite", "datetime"},
}
for _tag in _WITH_ID:
    ATTRIBUTES.setdefault(_tag, set()).add("id")

# Classes Markdown itself writes (footnotes); fenced code may add ``language-<name>``.
_CLASSES = {"a": {"footnote-ref", "footnote-backref"}, "div": {"footnote"}}
_STRIP_WITH_CONTENT = frozenset({"script", "style"})


def _language_class(token: str) -> bool:
    name = token.removeprefix("language-")
    return (
        token.startswith("language-")
        and 0 < len(name) <= 30
        and name.replace("-", "").replace("+", "").replace("#", "").isalnum()
    )


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        allowed = _CLASSES.get(tag, set())
        kept = [c for c in value.split() if c in allowed or (tag == "code" and _language_class(c))]
        return " ".join(kept) or None
    if tag == "img" and attr == "src":
        src = value.strip()
        same_site = src.startswith("/") and src[1:2] not in ("/", "\\")  # not //host nor /\host
        if src.lower().startswith("https://") or same_site:
            return src
        return None
    if tag == "a" and attr == "href" and value.startswith("#") and len(value) > 1:
        return "#" + ID_PREFIX + value[1:]  # follows the prefixed ids
    return value


def sanitize_html(html: str) -> str:
    """``html`` cleaned against the knowledge-base allow-list (see the module docstring)."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(_STRIP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        id_prefix=ID_PREFIX,
    )


def render_markdown(body: str | None) -> str:
    """The article's Markdown as safe HTML (Markdown "extra": tables, fenced code, footnotes,
    definition lists, abbreviations; "sane_lists")."""
    if not body:
        return ""
    html = markdown.markdown(body, extensions=["extra", "sane_lists"], output_format="html")
    return sanitize_html(html)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of (already sanitised) HTML, single-spaced."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def markdown_text(body: str | None) -> str:
    """The plain text a reader sees in the rendered article (for search and excerpts)."""
    return html_text(render_markdown(body))


def excerpt(body: str | None, length: int = 240) -> str:
    """The first ``length`` characters of the article's text, cut at a word."""
    body = body or ""
    if len(body) > length * 16:  # render the opening paragraphs only
        cut = body.rfind("\n\n", 0, length * 16)
        body = body[:cut] if cut > length else body
    text = markdown_text(body)
    if len(text) <= length:
        return text
    head = text[:length].rsplit(" ", 1)[0] or text[:length]
    return head.rstrip(" ,.;:") + "…"

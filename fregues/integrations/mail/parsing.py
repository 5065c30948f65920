"""Reading one raw e-mail: who wrote, what it says, what it answers, and whether a person wrote
it at all (an automatic reply, a bounce). Pure functions of the bytes: no database."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from django.utils import timezone

MESSAGE = "message"
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

_MSGID = re.compile(r"<[^<>\s]+>")
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|auto:|"
    r"resposta autom[aá]tica|fora do escrit[oó]rio|aus[eê]ncia|respuesta autom[aá]tica|"
    r"abwesenheitsnotiz|r[eé]ponse automatique)",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery (has )?failed|failure notice|"
    r"returned mail|mail delivery failed)",
    re.IGNORECASE,
)
_SKIP_TAGS = {"script", "style", "head", "title"}
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"}


@dataclass
class Part:
    filename: str
    content: bytes
    content_type: str


@dataclass
class Parsed:
    """What the ingestion needs from a message."""

    key: str  # the Message-ID, else "sha256:" + a hash of the headers
    message_id: str
    kind: str
    sender: str
    sender_name: str
    subject: str
    text: str
    occurred_at: datetime.datetime
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then References
    attachments: list[Part] = field(default_factory=list)
    bounced: list[tuple[str, str]] = field(default_factory=list)  # (address, status code)


class _PlainHeaders(EmailPolicy):
    """``policy.default`` whose headers read back as plain decoded strings: its header objects
    (an address or MIME grammar parsed at every read) made parsing 10-20 ms a message, the
    bulk of taking mail in. What is read here needs only the text."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        if hasattr(value, "name"):  # a header object set by code, not read from the bytes
            return str(value)
        text = "".join(value.splitlines())
        try:
            text.encode()
            if "=?" in text:  # RFC 2047 encoded words
                text = str(make_header(decode_header(text)))
        except (ValueError, LookupError, UnicodeError):  # raw 8-bit bytes, a broken word
            return str(super().header_fetch_parse(name, value)).strip()
        return text.strip()


_POLICY = _PlainHeaders()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (tags, scripts and styles dropped, blocks on lines)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def message_ids(value: str | None) -> list[str]:
    """The ``<id>`` tokens of a Message-ID, In-Reply-To or References header."""
    return _MSGID.findall(str(value or ""))


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # a header too broken to parse
        return ""
    return str(value or "").strip()


def _key(msg: EmailMessage, message_id: str) -> str:
    if message_id:
        return message_id[:255]
    digest = hashlib.sha256()
    for name, value in msg.raw_items():
        digest.update(f"{name}:{value}\n".encode(errors="replace"))
    return f"sha256:{digest.hexdigest()}"


def _date(msg: EmailMessage) -> datetime.datetime:
    now = timezone.now()
    try:
        when = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return now
    if when is None:
        return now
    if timezone.is_naive(when):
        when = timezone.make_aware(when, datetime.UTC)
    return min(when, now)


def _text(msg: EmailMessage) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except (LookupError, ValueError, KeyError):  # an unknown charset, a broken part
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content.strip()


def _attachments(msg: EmailMessage) -> list[Part]:
    found: list[Part] = []
    for part in msg.iter_attachments():
        if part.get_content_maintype() in ("multipart", "message"):
            continue
        try:
            content = part.get_payload(decode=True)
        except (ValueError, TypeError):
            continue
        if not isinstance(content, bytes):
            continue
        name = part.get_filename() or f"attachment-{len(found) + 1}"
        found.append(Part(str(name), content, part.get_content_type()))
    return found


def _bounced(msg: EmailMessage) -> list[tuple[str, str]]:
    """(recipient, status) of every failed recipient in a delivery-status report."""
    found: list[tuple[str, str]] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the reporting server
            if isinstance(block, str):
                continue
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            action = str(block.get("Action") or "").strip().lower()
            status = str(block.get("Status") or "").strip()
            address = recipient.split(";", 1)[-1].strip().strip("<>")
            if address and action in ("failed", ""):
                found.append((address, status))
    return found


def _kind(msg: EmailMessage, sender: str, subject: str) -> str:
    content_type = msg.get_content_type()
    report = content_type == "multipart/report" and (
        str(msg.get_param("report-type", "")).lower() == "delivery-status"
    )
    null_path = _header(msg, "Return-Path") == "<>"
    if report or _BOUNCE_SENDER.match(sender) or (null_path and _BOUNCE_SUBJECT.search(subject)):
        return BOUNCE
    auto = _header(msg, "Auto-Submitted").lower()
    precedence = _header(msg, "Precedence").lower()
    if (
        (auto and auto != "no")
        or _header(msg, "X-Autoreply")
        or _header(msg, "X-Autorespond")
        or precedence in ("auto_reply", "bulk", "junk")
        or _AUTO_SUBJECT.match(subject)
    ):
        return AUTO_REPLY
    return MESSAGE


def mail_parse(raw: bytes) -> Parsed:
    """Read one message as the IMAP server gave it."""
    msg = BytesParser(policy=_POLICY).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    ids = message_ids(_header(msg, "Message-ID"))
    message_id = ids[0] if ids else ""
    pairs = getaddresses([_header(msg, "From")])
    sender_name, sender = pairs[0] if pairs else ("", "")
    subject = " ".join(_header(msg, "Subject").split())
    kind = _kind(msg, sender, subject)
    references = message_ids(_header(msg, "In-Reply-To"))
    references += [
        r for r in reversed(message_ids(_header(msg, "References"))) if r not in references
    ]
    return Parsed(
        key=_key(msg, message_id),
        message_id=message_id,
        kind=kind,
        sender=sender.strip(),
        sender_name=sender_name.strip(),
        subject=subject,
        text=_text(msg),
        occurred_at=_date(msg),
        references=references,
        attachments=[] if kind == BOUNCE else _attachments(msg),
        bounced=_bounced(msg) if kind == BOUNCE else [],
    )

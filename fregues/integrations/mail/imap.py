"""The IMAP side of a mailbox, with the standard library's ``imaplib``: connect, find the
messages after the resume point by UID, fetch them without setting \\Seen (``BODY.PEEK[]``),
and flag them once they are committed. No database here."""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import ssl
from collections.abc import Iterator
from typing import Any

TIMEOUT = 60
_UID = re.compile(rb"UID (\d+)")


class MailboxError(Exception):
    """The IMAP server refused something (login, the folder, a command)."""


def mailbox_password(mailbox: Any) -> str:
    """The IMAP password: from the environment variable the mailbox names, else its own."""
    if mailbox.password_env:
        return os.environ.get(mailbox.password_env, "")
    return str(mailbox.password or "")


def _check(typ: str, data: Any, what: str) -> Any:
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailboxError(f"{what}: {detail or typ}")
    return data


class ImapSession:
    """One logged-in connection on the mailbox's folder (``with ImapSession(mailbox) as s``)."""

    def __init__(self, mailbox: Any) -> None:
        self.mailbox = mailbox
        self.conn: imaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None

    def __enter__(self) -> ImapSession:
        box = self.mailbox
        try:
            if box.imap_security == "ssl":
                self.conn = imaplib.IMAP4_SSL(
                    box.imap_host,
                    box.imap_port,
                    ssl_context=ssl.create_default_context(),
                    timeout=TIMEOUT,
                )
            else:
                self.conn = imaplib.IMAP4(box.imap_host, box.imap_port, timeout=TIMEOUT)
                if box.imap_security == "starttls":
                    self.conn.starttls(ssl.create_default_context())
            self.conn.login(box.username, mailbox_password(box))
            folder = '"' + box.folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
            _check(*self.conn.select(folder), f"select {box.folder}")
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailboxError(str(exc)) from exc
        except BaseException:
            self.close()
            raise
        _typ, data = self.conn.response("UIDVALIDITY")
        value = data[0] if data else None
        self.uidvalidity = int(value) if value else None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.conn.logout()
        self.conn = None

    def _uid(self, command: str, *args: str) -> Any:
        assert self.conn is not None
        try:
            return _check(*self.conn.uid(command, *args), f"UID {command}")
        except imaplib.IMAP4.error as exc:
            raise MailboxError(str(exc)) from exc

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs greater than ``last_uid``, oldest first (``n:*`` always answers the last
        message, even below ``n``: it is filtered out)."""
        data = self._uid("SEARCH", "UID", f"{last_uid + 1}:*")
        found = sorted({int(u) for u in (data[0] or b"").split()})
        return [u for u in found if u > last_uid]

    def fetch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        """(uid, raw message) for each of ``uids`` the server still has, without \\Seen."""
        if not uids:
            return
        data = self._uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
        found: dict[int, bytes] = {}
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2:
                match = _UID.search(item[0])
                if match:
                    found[int(match.group(1))] = item[1]
        for uid in sorted(found):
            yield uid, found[uid]

    def flag(self, uids: list[int], flag: str) -> None:
        """Mark messages taken in (\\Seen, or a keyword such as $FreguesProcessed)."""
        if uids and flag:
            self._uid("STORE", ",".join(str(u) for u in uids), "+FLAGS.SILENT", f"({flag})")

    def flag_committed(self, last_uid: int, flag: str) -> int:
        """Flag the messages up to ``last_uid`` still without ``flag``: those a poller
        committed but was stopped before flagging. How many it flagged."""
        if last_uid < 1 or not flag:
            return 0
        missing = "UNSEEN" if flag.lower() == "\\seen" else f"UNKEYWORD {flag}"
        data = self._uid("SEARCH", "UID", f"1:{last_uid}", missing)
        uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u <= last_uid)
        for start in range(0, len(uids), 500):
            self.flag(uids[start : start + 500], flag)
        return len(uids)

    def append(self, raw: bytes, flags: str = "") -> None:
        """Put a message in the folder (tests, the bench, "test connection" never)."""
        assert self.conn is not None
        folder = '"' + self.mailbox.folder + '"'
        _check(*self.conn.append(folder, flags or None, None, raw), "APPEND")

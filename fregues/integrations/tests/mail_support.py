"""A real IMAP server for the e-mail tests and the bench: Debian's dovecot, started as a
non-root process on a free localhost port with its own configuration (passwd-file users,
maildir, no TLS, a log file), and messages to put in it.

Import the fixtures into a test module (``from .mail_support import dovecot, imap_mailbox``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest

USER = "support"
PASSWORD = "s3cret-test"
CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    """One dovecot with one user (``support``). As root it runs as the ``dovecot`` system user
    in a directory of its own under /tmp (dovecot refuses to serve mail as root); otherwise as
    the current user under ``base``."""

    def __init__(self, base: Path) -> None:
        binary = dovecot_binary()
        assert binary is not None
        self.binary = binary
        self.as_root = os.geteuid() == 0
        if self.as_root:
            self.root = Path(tempfile.mkdtemp(prefix="fregues-dovecot-", dir="/tmp"))
            account = pwd.getpwnam("dovecot")
        else:
            self.root = base / "dovecot"
            self.root.mkdir(parents=True, exist_ok=True)
            account = pwd.getpwuid(os.getuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.user = account.pw_name
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER

    def start(self) -> Dovecot:
        import grp

        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(exist_ok=True)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (self.root / "dovecot.conf").write_text(
            CONF.format(
                root=self.root,
                user=self.user,
                group=grp.getgrgid(self.gid).gr_name,
                uid=self.uid,
                gid=self.gid,
                port=self.port,
            )
        )
        self.chown()
        extra: dict[str, Any] = {"user": self.uid, "group": self.gid} if self.as_root else {}
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **extra,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def chown(self) -> None:
        """Give the files written here (maildir files of the bench) to the server's user."""
        if not self.as_root:
            return
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.as_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def mailbox_fields(self) -> dict[str, Any]:
        return {
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_security": "none",
            "username": USER,
            "password": PASSWORD,
        }

    def append(self, *messages: bytes) -> None:
        import imaplib

        conn = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            conn.login(USER, PASSWORD)
            for raw in messages:
                typ, data = conn.append('"INBOX"', None, None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self) -> dict[int, str]:
        """Each message's UID and flags, as the server has them."""
        import imaplib
        import re

        conn = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            conn.login(USER, PASSWORD)
            conn.select('"INBOX"', readonly=True)
            _typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS)")
        finally:
            conn.logout()
        found = {}
        for line in data:
            if isinstance(line, bytes):
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line)
                if match:
                    found[int(match.group(1))] = match.group(2).decode()
        return found


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    """A running dovecot, empty, stopped after the test."""
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = Dovecot(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_mailbox(db: None, dovecot: Dovecot) -> Any:
    """A mailbox on the running dovecot that opens technical-assistance cases."""
    from fregues.integrations.models import Mailbox
    from fregues.service.models import CaseType

    return Mailbox.objects.create(
        name="Suporte",
        reply_from="suporte@loja.exemplo.com.br",
        case_type=CaseType.objects.get(code="technical-assistance"),
        **dovecot.mailbox_fields(),
    )


def mail(
    *,
    sender: str = "Ana Souza <ana.souza@exemplo.com.br>",
    to: str = "suporte@loja.exemplo.com.br",
    subject: str = "Máquina de lavar não liga",
    body: str = "Bom dia, a máquina não liga desde ontem.",
    html: str = "",
    message_id: str | None = "",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    """A message as a mail client sends it (``message_id=None``: no Message-ID at all)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(time_now())
    if message_id is not None:
        msg["Message-ID"] = message_id or make_msgid(domain="exemplo.com.br")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if body or not html:
        msg.set_content(body)
    if html:
        if body:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    for filename, content, content_type in attachments or []:
        main, sub = content_type.split("/", 1)
        msg.add_attachment(content, maintype=main, subtype=sub, filename=filename)
    return bytes(msg)


def time_now() -> Any:
    import datetime

    return datetime.datetime.now(datetime.UTC)


def bounce(recipient: str, status: str = "5.1.1", original_id: str = "") -> bytes:
    """A delivery-status report (RFC 3464) as Postfix sends it for ``recipient``."""
    return (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.exemplo.net (Mail Delivery System)\r\n"
        "To: suporte@loja.exemplo.com.br\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{os.urandom(6).hex()}@mx.exemplo.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your "
        "message could not be delivered.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.exemplo.net\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id or '<x@loja.exemplo.com.br>'}\r\nSubject: Re: pedido\r\n"
        "\r\n--B--\r\n"
    ).encode()

"""The e-mail screens: admins list and add mailboxes (others are refused), and the case page
offers a reply by e-mail that goes to the customer and onto the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from django.test import Client

from fregues.interactions.models import Interaction
from fregues.service.models import Case, CaseType

from ..mail.ingest import mail_ingest
from ..models import Mailbox
from .mail_support import mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(client: Client) -> None:
    client.cookies["django_language"] = "en"


def test_an_admin_sees_the_mailboxes_and_adds_one(client: Client, make_user: Any) -> None:
    client.force_login(make_user("admin"))
    admin = client
    page = admin.get("/channels/mailboxes/")
    assert page.status_code == 200 and "No mailboxes yet." in page.content.decode()
    assert 'href="/channels/mailboxes/"' in page.content.decode()  # the nav entry

    added = admin.post(
        "/channels/mailboxes/",
        {
            "name": "Suporte",
            "is_active": "on",
            "imap_host": "imap.exemplo.com.br",
            "imap_port": "993",
            "imap_security": "ssl",
            "username": "suporte",
            "password": "segredo",
            "folder": "INBOX",
            "case_type": "",
            "smtp_port": "587",
            "smtp_security": "starttls",
        },
    )
    assert added.status_code == 302
    box = Mailbox.objects.get()
    assert box.password == "segredo"
    listed = admin.get("/channels/mailboxes/").content.decode()
    assert "Suporte" in listed and "never" in listed
    edit = admin.get(f"/channels/mailboxes/{box.pk}/").content.decode()
    assert "segredo" not in edit


def test_an_agent_is_refused_the_mailboxes(client: Client, make_user: Any) -> None:
    client.force_login(make_user("agent"))
    agent = client
    assert agent.get("/channels/mailboxes/").status_code == 403
    page = agent.get("/").content.decode()
    assert "/channels/mailboxes/" not in page


def test_the_case_page_replies_by_e_mail(client: Client, make_user: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    box = Mailbox.objects.create(
        name="Suporte",
        imap_host="imap.exemplo.com.br",
        username="suporte",
        reply_from="suporte@loja.exemplo.com.br",
        case_type=CaseType.objects.get(code="technical-assistance"),
    )
    mail_ingest(actor=None, mailbox_id=box.pk, uid=1, uidvalidity=1, raw=mail())
    case = Case.objects.get()
    client.force_login(make_user("agent"))
    agent = client
    page = agent.get(f"/cases/{case.protocol}/").content.decode()
    assert "Reply by e-mail" in page
    outbox.outbox.clear()

    answer = agent.post(
        f"/channels/mail/reply/{case.protocol}/",
        {"body": "O técnico vai amanhã."},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert "Your reply was sent by e-mail." in answer.content.decode()
    assert [m.to for m in outbox.outbox] == [["ana.souza@exemplo.com.br"]]
    assert Interaction.objects.filter(
        direction="out", channel="email", regarding_id=case.pk, body="O técnico vai amanhã."
    ).exists()
    empty = agent.post(
        f"/channels/mail/reply/{case.protocol}/", {"body": ""}, headers={"HX-Request": "true"}
    )
    assert empty.status_code == 422 and "Write your message." in empty.content.decode()

"""The mailboxes' API: admins configure mailboxes; passwords go in and never come out; a
stale version is a 409; the messages a mailbox took in are listed; a poll can be asked for."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry

from ..models import Mailbox
from .mail_support import Dovecot, mail

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Suporte",
    "imap_host": "imap.exemplo.com.br",
    "username": "suporte@loja.exemplo.com.br",
    "password": "segredo-imap",
    "smtp_password": "segredo-smtp",
    "reply_from": "suporte@loja.exemplo.com.br",
}


def test_an_admin_adds_a_mailbox_whose_passwords_are_never_returned(api_as: Any) -> None:
    api = api_as("admin")
    created = api.post("/channels/mailboxes", NEW)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["password_set"] is True and body["smtp_password_set"] is True
    assert "segredo" not in created.content.decode()
    listed = api.get("/channels/mailboxes")
    assert "segredo" not in listed.content.decode()
    assert [m["name"] for m in listed.json()] == ["Suporte"]
    audit = AuditEntry.objects.get(entity_type="integrations.mailbox")
    assert "segredo" not in str(audit.changes)


def test_invalid_fields_are_named_and_nothing_is_kept(api_as: Any) -> None:
    response = api_as("admin").post(
        "/channels/mailboxes",
        {**NEW, "imap_port": 0, "imap_security": "tls9", "reply_from": "nope", "name": ""},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"imap_port", "imap_security", "reply_from", "name"}
    assert not Mailbox.objects.exists()


def test_a_change_with_a_stale_version_is_a_409(api_as: Any) -> None:
    api = api_as("admin")
    mailbox = api.post("/channels/mailboxes", NEW).json()
    changed = api.patch(
        f"/channels/mailboxes/{mailbox['id']}", {"folder": "Clientes", "version": 1}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(f"/channels/mailboxes/{mailbox['id']}", {"folder": "X", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert Mailbox.objects.get().folder == "Clientes"
    assert api.delete(f"/channels/mailboxes/{mailbox['id']}").status_code == 204
    assert api.get(f"/channels/mailboxes/{mailbox['id']}").status_code == 404


def test_a_poll_asked_through_the_api_takes_the_mail_in_and_lists_it(
    api_as: Any,
    dovecot: Dovecot,
    imap_mailbox: Mailbox,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_as("admin")
    assert api.post(f"/channels/mailboxes/{imap_mailbox.pk}/test").json() == {
        "ok": True,
        "error": "",
    }
    dovecot.append(mail(subject="Pedido 1"), mail(subject="Pedido 2"))
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        answer = api.post(f"/channels/mailboxes/{imap_mailbox.pk}/poll")
    assert answer.status_code == 202

    with django_assert_max_num_queries(6):
        listed = api.get(f"/channels/mailboxes/{imap_mailbox.pk}/messages")
    assert [m["subject"] for m in listed.json()] == ["Pedido 2", "Pedido 1"]
    assert all(m["kind"] == "message" and m["case_id"] for m in listed.json())
    assert api.get(f"/channels/mailboxes/{imap_mailbox.pk}").json()["messages_today"] == 2

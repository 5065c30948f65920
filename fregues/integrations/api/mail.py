"""Mailboxes under /api/v1/channels/mailboxes (admins: ``channel.configure``).

Create, read, change (send the ``version`` you read, or ``If-Match``: a stale one is a 409) and
delete mailboxes; passwords are write-only (the answer says ``password_set``). ``POST
.../{id}/poll`` asks for a poll now (202); ``POST .../{id}/test`` logs in and opens the
folder; ``GET .../{id}/messages`` lists what the mailbox took in, newest first.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES, Moment

from ..mail import selectors, services
from ..mail.schemas import ConnectionTestOut, MailboxIn, MailboxOut, MailboxPatch, MailMessageOut
from ..models import Mailbox

router = Router(tags=["channels"])


def _out(request: HttpRequest, mailbox_id: int) -> Mailbox:
    return selectors.mailbox_get(actor=actor_of(request), mailbox_id=mailbox_id)


@router.get("/mailboxes", response={200: list[MailboxOut], **ERROR_RESPONSES}, summary="Mailboxes")
def list_mailboxes(request: HttpRequest) -> list[Mailbox]:
    """Every mailbox with its resume point, last poll, last error and messages today."""
    return list(selectors.mailbox_list(actor=actor_of(request)))


@router.post("/mailboxes", response={201: MailboxOut, **ERROR_RESPONSES}, summary="Add a mailbox")
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Status[Mailbox]:
    mailbox = services.mailbox_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _out(request, mailbox.pk))


@router.get(
    "/mailboxes/{mailbox_id}", response={200: MailboxOut, **ERROR_RESPONSES}, summary="A mailbox"
)
def get_mailbox(request: HttpRequest, mailbox_id: int) -> Mailbox:
    return _out(request, mailbox_id)


@router.patch(
    "/mailboxes/{mailbox_id}",
    response={200: MailboxOut, **ERROR_RESPONSES},
    summary="Change a mailbox",
)
def update_mailbox(request: HttpRequest, mailbox_id: int, payload: MailboxPatch) -> Mailbox:
    """Change the fields sent (a password sent replaces the stored one)."""
    services.mailbox_update(
        actor=actor_of(request),
        mailbox_id=mailbox_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return _out(request, mailbox_id)


@router.delete(
    "/mailboxes/{mailbox_id}", response={204: None, **ERROR_RESPONSES}, summary="Delete a mailbox"
)
def delete_mailbox(request: HttpRequest, mailbox_id: int) -> Status[None]:
    services.mailbox_delete(
        actor=actor_of(request), mailbox_id=mailbox_id, version=version_from(request, None)
    )
    return Status(204, None)


@router.post(
    "/mailboxes/{mailbox_id}/poll",
    response={202: MailboxOut, **ERROR_RESPONSES},
    summary="Poll a mailbox now",
)
def poll_mailbox(request: HttpRequest, mailbox_id: int) -> Status[Mailbox]:
    services.mailbox_poll_request(actor=actor_of(request), mailbox_id=mailbox_id)
    return Status(202, _out(request, mailbox_id))


@router.post(
    "/mailboxes/{mailbox_id}/test",
    response={200: ConnectionTestOut, **ERROR_RESPONSES},
    summary="Test the connection",
)
def test_mailbox(request: HttpRequest, mailbox_id: int) -> dict[str, object]:
    error = services.mailbox_test(actor=actor_of(request), mailbox_id=mailbox_id)
    return {"ok": not error, "error": error}


@router.get(
    "/mailboxes/{mailbox_id}/messages",
    response={200: list[MailMessageOut], **ERROR_RESPONSES},
    summary="What a mailbox took in",
)
def mailbox_messages(
    request: HttpRequest, mailbox_id: int, since: Moment | None = None, limit: int = 50
) -> list[object]:
    return list(
        selectors.mail_message_list(
            actor=actor_of(request), mailbox_id=mailbox_id, since=since, limit=limit
        )
    )

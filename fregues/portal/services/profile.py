"""Writes of "My data": the customer changes their own profile, contact points, addresses,
preferred channel, contact hours and language.

Everything goes through the parties services (the same rules, audit and events as staff
edits) with the portal actor ``portal:<party id>``, always on the signed-in party, and lands on
the customer's timeline as a portal interaction. A new e-mail or phone is *pending* until the
customer proves it is theirs with the link or code sent to it: until then it is no
ContactPoint at all (only a ``PortalLogin`` with purpose ``verify_contact_point``), so no sender
uses it and it cannot become primary.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, Invalid, NotFound
from fregues.parties.models import ContactPoint, Party
from fregues.parties.services import (
    contact_point_add,
    contact_point_remove,
    contact_point_update,
    party_update,
)

from ..models import PortalLogin
from .common import portal_actor, portal_timeline
from .sign_in import (
    code_check,
    code_error,
    link_login_get,
    login_create,
    login_send,
    read_address,
)

# What the customer may change about themselves (the rest is staff's: tax id, tier, owner...).
PROFILE_FIELDS = (
    "name",
    "given_name",
    "family_name",
    "language",
    "preferred_channel",
    "contact_hours_start",
    "contact_hours_end",
    "contact_weekdays",
)
MAX_PENDING = 5  # live verifications per customer at once
_VERIFY = PortalLogin.Purpose.VERIFY_CONTACT_POINT


def _own(actor: Any, party: Party) -> str:
    """The portal actor for ``party``: a customer acts on their own record only."""
    expected = portal_actor(party)
    if actor is not None and str(actor) != expected:
        raise NotFound("Not found.")
    return expected


def portal_profile_update(
    *, actor: Any, party: Party, data: dict[str, Any], version: int | None
) -> Party:
    """Change the customer's own profile (names, language, preferred channel, contact
    hours). A stale ``version`` is a 409: someone (staff, another tab) saved since."""
    actor = _own(actor, party)
    changes = {k: v for k, v in data.items() if k in PROFILE_FIELDS}
    with transaction.atomic():
        before = party.version
        updated = party_update(actor=actor, party_id=party.pk, data=changes, version=version)
        if updated.version != before:
            portal_timeline(
                party=updated,
                subject=_("Changed their data in the customer area"),
                body=", ".join(sorted(changes)),
            )
    return updated


def portal_contact_point_start(
    *, actor: Any, party: Party, kind: str, value: str, label: str = "", ip: str | None = None
) -> PortalLogin:
    """Add a new e-mail or phone: pending until the link (e-mail) or code (SMS) sent to it
    comes back. Answers the pending verification."""
    actor = _own(actor, party)
    typed = read_address(value, "value")
    if kind and typed.kind != kind:
        field = _("an e-mail address") if kind == "email" else _("a phone number")
        raise Invalid.field("value", _("Type %(what)s.") % {"what": field})
    if ContactPoint.objects.filter(
        party=party, kind=typed.kind, network="", normalized=typed.normalized
    ).exists():
        raise Conflict(
            _("%(value)s is already in your data.") % {"value": typed.display},
            code="contact_point_exists",
        )
    now = timezone.now()
    live = PortalLogin.objects.filter(
        party=party, purpose=_VERIFY, used_at__isnull=True, expires_at__gt=now
    )
    if live.count() >= MAX_PENDING:
        raise Conflict(
            _("You have too many addresses waiting for confirmation. Confirm them first."),
            code="too_many_pending",
        )
    with transaction.atomic():
        live.filter(address=typed.normalized).update(expires_at=now)  # the newest one counts
        login, raw = login_create(
            party=party, address=typed, purpose=_VERIFY, ip=ip, reference=label.strip()
        )
        audit_record(
            actor=actor,
            action="portal.point_pending",
            instance=login,
            party_id=party.pk,
            summary=f"{typed.display} added, waiting for confirmation",
        )
        portal_timeline(
            party=party,
            subject=_("Added %(value)s (waiting for confirmation)") % {"value": typed.display},
        )
        login_send(login=login, raw=raw, party=party)
    return login


def _verified(login: PortalLogin) -> ContactPoint:
    """The verification came back: the contact point exists from now on, verified."""
    party = login.party
    actor = portal_actor(party)
    kind = "email" if login.method == PortalLogin.Method.LINK else "phone"
    point = contact_point_add(
        actor=actor,
        party_id=party.pk,
        data={"kind": kind, "value": login.address, "label": login.reference, "is_verified": True},
    )
    PortalLogin.objects.filter(pk=login.pk).update(contact_point=point)
    portal_timeline(
        party=party, subject=_("Confirmed %(value)s in the customer area") % {"value": point.value}
    )
    return point


def portal_contact_point_verify_code(
    *, actor: Any, party: Party, pending_id: int, code: str
) -> ContactPoint:
    """Confirm a new phone with the code sent to it by SMS."""
    _own(actor, party)
    login = PortalLogin.objects.select_related("party").filter(
        pk=pending_id, party=party, purpose=_VERIFY, used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()  # fmt: skip
    if login is None:
        raise NotFound(_("This confirmation is not waiting any more."), details={"id": pending_id})
    if login.method != PortalLogin.Method.CODE:
        raise Invalid.field("code", _("Use the link we sent to this e-mail address."))
    outcome = code_check(login, code)
    if outcome != "ok":
        raise code_error(outcome)
    with transaction.atomic():
        if not PortalLogin.objects.filter(pk=login.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ):
            raise code_error("wrong")
        return _verified(login)


def portal_contact_point_verify_link(*, raw: str) -> ContactPoint:
    """Confirm a new e-mail with the link sent to it (the POST behind the link's button)."""
    with transaction.atomic():
        login = link_login_get(raw, purpose=_VERIFY)
        if login is None or not PortalLogin.objects.filter(
            pk=login.pk, used_at__isnull=True
        ).update(used_at=timezone.now()):
            raise Invalid(
                _("This link is not valid any more: it was used or it expired."),
                code="link_invalid",
            )
        return _verified(login)


def portal_pending_cancel(*, actor: Any, party: Party, pending_id: int) -> None:
    """Drop an e-mail or phone still waiting for confirmation."""
    actor = _own(actor, party)
    with transaction.atomic():
        ended = PortalLogin.objects.filter(
            pk=pending_id, party=party, purpose=_VERIFY, used_at__isnull=True
        ).update(expires_at=timezone.now())
        if not ended:
            raise NotFound(_("This confirmation is not waiting any more."))
        audit_record(
            actor=actor,
            action="portal.point_cancel",
            entity_type="portal.portallogin",
            entity_id=pending_id,
            party_id=party.pk,
            summary="Pending contact point dropped",
        )


def portal_address_add(*, actor: Any, party: Party, data: dict[str, Any]) -> ContactPoint:
    """Add a postal address (no confirmation: nobody signs in through a letter box)."""
    actor = _own(actor, party)
    fields = {k: data.get(k, "") for k in (
        "label", "street", "number", "complement", "district", "city", "region", "postal_code",
        "country",
    )}  # fmt: skip
    with transaction.atomic():
        point = contact_point_add(
            actor=actor, party_id=party.pk, data={"kind": "address", "value": "", **fields}
        )
        portal_timeline(party=party, subject=_("Added the address %(v)s") % {"v": point.value})
    return point


def portal_contact_point_remove(*, actor: Any, party: Party, point_id: int) -> None:
    """Remove one of the customer's own contact points or addresses. The last verified way to
    sign in stays: without it the customer could not come back."""
    actor = _own(actor, party)
    point = ContactPoint.objects.filter(pk=point_id, party=party).first()
    if point is None:
        raise NotFound(_("This contact point is not yours."), details={"id": point_id})
    if point.kind in ("email", "phone"):
        others = ContactPoint.objects.filter(party=party, kind__in=("email", "phone")).exclude(
            pk=point.pk
        )
        if not others.exists():
            raise Conflict(
                _("This is your only e-mail or phone: add another one before removing it."),
                code="last_contact_point",
            )
    with transaction.atomic():
        contact_point_remove(actor=actor, party_id=party.pk, point_id=point.pk)
        portal_timeline(party=party, subject=_("Removed %(v)s") % {"v": point.value})


def portal_contact_point_make_primary(*, actor: Any, party: Party, point_id: int) -> ContactPoint:
    """Make one of the customer's contact points the one we use first for its kind."""
    actor = _own(actor, party)
    if not ContactPoint.objects.filter(pk=point_id, party=party).exists():
        raise NotFound(_("This contact point is not yours."), details={"id": point_id})
    with transaction.atomic():
        point = contact_point_update(
            actor=actor, party_id=party.pk, point_id=point_id, data={"is_primary": True}
        )
        portal_timeline(party=party, subject=_("Made %(v)s the main one") % {"v": point.value})
    return point

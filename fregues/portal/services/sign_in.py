"""Signing in to the portal without a password, and proving a new e-mail or phone is the
customer's: a one-time link by e-mail, a six-digit code by SMS.

Why it looks like this:

- the answer to "send me a link/code" never says whether the address is known (no account
  enumeration): the method follows from what was typed (an e-mail gets a link, a phone a
  code) and the rate limits count every request, known or not (in the cache);
- a link's GET only shows a button; the POST uses it, so mail scanners that prefetch links
  don't use it up;
- secrets are stored hashed, used once, expire in minutes; a code allows
  ``PORTAL_CODE_MAX_ATTEMPTS`` tries;
- the first sign-in through an address proves the customer holds it: that contact point
  becomes verified.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Invalid
from fregues.parties.models import ContactPoint, Party
from fregues.parties.normalize import normalize_email, parse_phone
from fregues.service.notify import EmailSender, sender_for

from ..models import PortalLogin, PortalSession
from .common import TooManyAttempts, portal_actor, portal_timeline
from .sessions import portal_session_open, secret_hash

_RATE_WINDOW = 3600  # seconds: the rate limits count requests of the last hour
_SIGN_IN = PortalLogin.Purpose.SIGN_IN


@dataclass(frozen=True)
class Address:
    """What the customer typed, normalised: an e-mail (→ link) or a phone (→ code)."""

    kind: str  # "email" | "phone"
    normalized: str
    display: str

    @property
    def method(self) -> str:
        return PortalLogin.Method.LINK if self.kind == "email" else PortalLogin.Method.CODE


def read_address(raw: str, field: str = "address") -> Address:
    """An e-mail or a phone number in any written form; Invalid when it is neither."""
    value = (raw or "").strip()
    if not value:
        raise Invalid.field(field, _("Type your e-mail or your mobile phone number."))
    if "@" in value:
        email = normalize_email(value, field)
        return Address("email", email, email)
    phone = parse_phone(value, None, field)
    return Address("phone", phone.e164, phone.display)


def safe_next(url: str | None) -> str:
    """``url`` when it is a local path of this site, else the portal's home."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return "/portal/"


def _count(key: str) -> int:
    """Add one to a counter that lives an hour from its first request; the new count."""
    if cache.add(key, 1, _RATE_WINDOW):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _RATE_WINDOW)
        return 1


def _rate_limit(address: Address, ip: str | None) -> None:
    by_address = _count(f"portal:sign-in:address:{secret_hash(address.normalized)}")
    by_ip = _count(f"portal:sign-in:ip:{ip}") if ip else 0
    if by_address > settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS or (
        by_ip > settings.PORTAL_SIGN_IN_RATE_PER_IP
    ):
        raise TooManyAttempts(
            _("Too many requests. Wait a while and try again."), code="rate_limited"
        )


def holder_of(address: Address) -> ContactPoint | None:
    """The contact point of a live customer (not merged) that matches the address."""
    return (
        ContactPoint.objects.select_related("party")
        .filter(kind=address.kind, network="", normalized=address.normalized)
        .filter(party__merged_into__isnull=True)
        .first()
    )


def _new_secret(method: str) -> str:
    if method == PortalLogin.Method.LINK:
        return secrets.token_urlsafe(32)
    return f"{secrets.randbelow(1_000_000):06d}"


def _code_hash(address: str, code: str, expires_at: datetime.datetime) -> str:
    """A code is short: its hash includes the address and the row's expiry so two customers
    holding the same six digits never collide."""
    return secret_hash(f"code|{address}|{code}|{expires_at.isoformat()}")


def login_create(
    *,
    party: Party,
    address: Address,
    purpose: str,
    contact_point: ContactPoint | None = None,
    ip: str | None = None,
    reference: str = "",
) -> tuple[PortalLogin, str]:
    """A new one-time link or code for ``address``; the raw secret (never stored)."""
    minutes = (
        settings.PORTAL_LINK_MINUTES
        if address.method == PortalLogin.Method.LINK
        else settings.PORTAL_CODE_MINUTES
    )
    for _attempt in range(5):
        raw = _new_secret(address.method)
        expires_at = timezone.now() + datetime.timedelta(minutes=minutes)
        hashed = (
            secret_hash(raw)
            if address.method == PortalLogin.Method.LINK
            else _code_hash(address.normalized, raw, expires_at)
        )
        try:
            with transaction.atomic():
                login = PortalLogin.objects.create(
                    party=party,
                    contact_point=contact_point,
                    method=address.method,
                    address=address.normalized,
                    secret_hash=hashed,
                    expires_at=expires_at,
                    ip=ip,
                    purpose=purpose,
                    reference=reference[:40],
                )
            return login, raw
        except IntegrityError:  # the same secret drawn twice: draw again
            continue
    raise RuntimeError("could not draw a unique portal secret")


def login_send(*, login: PortalLogin, raw: str, party: Party, next_url: str = "") -> None:
    """Send the link or the code, in the customer's language, after the transaction commits."""
    language = party.language or translation.get_language() or settings.LANGUAGE_CODE
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    with translation.override(language):
        if login.method == PortalLogin.Method.LINK:
            if login.purpose == _SIGN_IN:
                url = f"{base}/portal/sign-in/link/{raw}"
                if next_url and safe_next(next_url) == next_url:
                    url += f"?next={next_url}"
                subject = _("Your link to sign in")
                intro = _("Use this link to sign in to your customer area:")
            else:
                url = f"{base}/portal/profile/verify/{raw}"
                subject = _("Confirm your e-mail address")
                intro = _("Use this link to confirm this e-mail address is yours:")
            body = "\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": party.first_name},
                    intro,
                    url,
                    _("It works once, for %(n)s minutes. If you did not ask for it, ignore it.")
                    % {"n": settings.PORTAL_LINK_MINUTES},
                ]
            )
            to, channel = login.address, "email"
        else:
            subject = ""
            body = _("%(code)s is your code. It works once, for %(n)s minutes.") % {
                "code": raw,
                "n": settings.PORTAL_CODE_MINUTES,
            }
            to, channel = login.address, "sms"

    def _send() -> None:
        sender = EmailSender() if channel == "email" else sender_for("sms")
        sender.send(to=to, subject=str(subject), body=str(body))

    transaction.on_commit(_send)


def portal_sign_in_start(
    *, actor: Any = None, address: str, ip: str | None = None, next_url: str = ""
) -> Address:
    """Ask for a link (e-mail) or a code (phone). Whether or not a live customer holds the
    address, the answer is the same; only a known one gets a message."""
    typed = read_address(address)
    _rate_limit(typed, ip)
    point = holder_of(typed)
    if point is None:
        return typed
    party = point.party
    with transaction.atomic():
        login, raw = login_create(
            party=party, address=typed, purpose=_SIGN_IN, contact_point=point, ip=ip
        )
        audit_record(
            actor=actor or portal_actor(party),
            action="portal.sign_in_ask",
            instance=login,
            party_id=party.pk,
            summary=f"Sign-in {login.get_method_display()} sent to {typed.display}",
        )
        login_send(login=login, raw=raw, party=party, next_url=next_url)
    return typed


def _invalid_link() -> Invalid:
    return Invalid(
        _("This link is not valid any more: it was used or it expired. Ask for a new one."),
        code="link_invalid",
    )


def link_login_get(raw: str, purpose: str = _SIGN_IN) -> PortalLogin | None:
    """The live login a link's token belongs to (not used, not expired, customer live)."""
    if not raw or len(raw) > 100:
        return None
    login = (
        PortalLogin.objects.select_related("party")
        .filter(
            secret_hash=secret_hash(raw),
            method=PortalLogin.Method.LINK,
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if login is None or login.party.merged_into_id is not None:
        return None
    return login


def _consume(login: PortalLogin) -> bool:
    """Mark the login used; False when someone else used it first."""
    return bool(
        PortalLogin.objects.filter(pk=login.pk, used_at__isnull=True).update(used_at=timezone.now())
    )


def _mark_verified(login: PortalLogin, actor: str) -> None:
    point = login.contact_point
    if point is None or point.is_verified or point.party_id != login.party_id:
        return
    ContactPoint.objects.filter(pk=point.pk).update(is_verified=True)
    audit_record(
        actor=actor,
        action="update",
        instance=point,
        party_id=login.party_id,
        summary=f"{point.get_kind_display()} {point.value} verified by signing in",
        changes={"is_verified": [False, True]},
    )


def _signed_in(login: PortalLogin, ip: str | None, user_agent: str) -> tuple[PortalSession, str]:
    actor = portal_actor(login.party)
    _mark_verified(login, actor)
    session, raw = portal_session_open(
        party=login.party, actor=actor, login=login, ip=ip, user_agent=user_agent
    )
    portal_timeline(party=login.party, subject=str(_("Signed in to the customer area")))
    return session, raw


def portal_sign_in_link_use(
    *, raw: str, ip: str | None = None, user_agent: str = ""
) -> tuple[PortalSession, str]:
    """Use a sign-in link (the POST behind its button): a new portal session and its key."""
    with transaction.atomic():
        login = link_login_get(raw)
        if login is None or not _consume(login):
            raise _invalid_link()
        return _signed_in(login, ip, user_agent)


def code_login_get(address: str, purpose: str = _SIGN_IN) -> PortalLogin | None:
    """The latest live code sent to ``address`` (normalised) for ``purpose``."""
    return (
        PortalLogin.objects.select_related("party")
        .filter(
            address=address,
            method=PortalLogin.Method.CODE,
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def code_check(login: PortalLogin | None, code: str) -> str:
    """ "ok", "wrong" (one attempt spent, committed even though the caller then refuses) or
    "exhausted" (no attempt left: ask a new code)."""
    if login is None:
        return "wrong"
    if login.failed_attempts >= settings.PORTAL_CODE_MAX_ATTEMPTS:
        return "exhausted"
    expected = _code_hash(login.address, (code or "").strip(), login.expires_at)
    if hmac.compare_digest(expected, login.secret_hash):
        return "ok"
    PortalLogin.objects.filter(pk=login.pk).update(failed_attempts=login.failed_attempts + 1)
    login.failed_attempts += 1
    if login.failed_attempts >= settings.PORTAL_CODE_MAX_ATTEMPTS:
        return "exhausted"
    return "wrong"


def code_error(outcome: str) -> Invalid:
    if outcome == "exhausted":
        return Invalid.field(
            "code",
            _("Too many wrong codes. Ask for a new code."),
            code="code_exhausted",
        )
    return Invalid.field(
        "code", _("This code is not right, or it expired. Try again."), code="code_invalid"
    )


def portal_sign_in_code_use(
    *, address: str, code: str, ip: str | None = None, user_agent: str = ""
) -> tuple[PortalSession, str]:
    """Sign in with the code sent by SMS to ``address``: a new portal session and its key."""
    typed = read_address(address)
    login = code_login_get(typed.normalized)
    if login is not None and login.party.merged_into_id is not None:
        login = None
    outcome = code_check(login, code)  # a wrong attempt is counted, committed, before refusing
    if outcome != "ok" or login is None:
        raise code_error(outcome)
    with transaction.atomic():
        if not _consume(login):
            raise code_error("wrong")
        return _signed_in(login, ip, user_agent)

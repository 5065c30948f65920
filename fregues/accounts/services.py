"""Writes on users, teams and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound
from fregues.core.permissions import ROLES, require

from .models import ApiToken, Team, User
from .tokens import hash_token, recent_tokens

TOKEN_PREFIX = "fgs_"


def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    check_password: bool = True,
    password_hash: str = "",
) -> User:
    """Create a user with a role. Admins only (or the system, from the CLI).

    ``password_hash`` (an already encoded password) spares the slow hashing when many users
    share one known password (the demo).
    """
    require(actor, "user.manage")
    errors = ErrorCollector()
    username = (username or "").strip()
    if not username:
        errors.add("username", "Username is required.")
    elif User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"The username '{username}' is taken.", code="username_taken")
    if role not in ROLES:
        errors.add("role", f"Unknown role '{role}'. Choose one of: {', '.join(ROLES)}.")
    if password and check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            for message in exc.messages:
                errors.add("password", message)
    errors.raise_if_any()
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            email=email,
            first_name=first_name,
            last_name=last_name,
            language=language,
            is_staff=role == "admin",
            is_superuser=role == "admin",
        )
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="create", instance=user, summary=f"user {username}")
    return user


def team_create(*, actor: Any, name: str, members: list[User] | None = None) -> Team:
    require(actor, "user.manage")
    name = (name or "").strip()
    if not name:
        raise Invalid.field("name", "Team name is required.")
    with transaction.atomic():
        team, _created = Team.objects.get_or_create(name=name)
        if members:
            team.members.add(*members)
        audit_record(actor=actor, action="create", instance=team, summary=f"team {name}")
    return team


def token_create(*, actor: Any, user: User, name: str = "") -> str:
    """Create an API token for ``user`` and return it; it cannot be read back later."""
    if actor is not None and actor != user:
        require(actor, "user.manage")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, name=name, prefix=token[:10], key_hash=hash_token(token)
        )
        audit_record(actor=actor, action="create", instance=record, summary=f"API token {name}")
    return token


def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke one API token: from now on it answers 401. This process forgets it at once;
    other web processes within ``FREGUES_TOKEN_CACHE_SECONDS`` (they remember accepted
    tokens for that long)."""
    record = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if record is None:
        raise NotFound(_("No such API token."))
    if actor is not None and actor != record.user:
        require(actor, "user.manage")
    if record.revoked_at is not None:
        return record
    with transaction.atomic():
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=record,
            summary=f"API token {record.prefix} revoked",
        )
    recent_tokens.forget(record.user_id)
    return record


def token_authenticate(token: str) -> User | None:
    """The active user behind a bearer token, or None. Touches last_used_at once a minute."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    record = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if record is None or not record.user.is_active:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user

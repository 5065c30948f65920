"""The API tokens a web process accepted a moment ago (see ``RecentTokens``)."""

from __future__ import annotations

import copy
import hashlib
import time

from django.conf import settings

from .models import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RecentTokens:
    """The tokens this process accepted in the last few seconds (FREGUES_TOKEN_CACHE_SECONDS).

    Looking a token up cost half of a customer-page request (issue 13): an integration calling
    hundreds of times a second asks the same question each time. Only accepted tokens are kept,
    by their hash, for a few seconds: a token revoked or a user deactivated elsewhere stops
    working within that time; revoking through Freguês forgets it at once in this process
    (``forget_recent_tokens``). Each request gets its own copy of the user, so nothing one
    request caches on it leaks into another.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, User]] = {}

    def get(self, token: str) -> User | None:
        seconds = settings.TOKEN_CACHE_SECONDS
        if seconds <= 0 or not self._entries:
            return None
        entry = self._entries.get(hash_token(token))
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(hash_token(token), None)
            return None
        return copy.copy(entry[1])

    def put(self, token: str, user: User) -> None:
        seconds = settings.TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[hash_token(token)] = (time.monotonic() + seconds, copy.copy(user))

    def forget(self, user_id: int | None = None) -> None:
        """Forget every token of ``user_id`` (all tokens when None)."""
        if user_id is None:
            self._entries.clear()
            return
        for key in [k for k, (_, user) in list(self._entries.items()) if user.pk == user_id]:
            self._entries.pop(key, None)


recent_tokens = RecentTokens()

"""Which database the analytics reads go to.

``FREGUES_ANALYTICS_DATABASE_URL`` (a read replica of the primary) adds the database alias
``analytics``; every report's selector reads through :func:`analytics_db`, so a replica takes
the heavy queries off the primary. Without it, reports read the primary (``default``). The
refresh writes the reporting store on the primary always (a replica follows it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

ANALYTICS_ALIAS = "analytics"


def analytics_db() -> str:
    """The alias every analytics read uses: ``analytics`` when a replica is configured."""
    return ANALYTICS_ALIAS if ANALYTICS_ALIAS in settings.DATABASES else "default"


def analytics_connection() -> BaseDatabaseWrapper:
    """The connection for raw SQL in analytics selectors."""
    return connections[analytics_db()]


def is_postgres(alias: str | None = None) -> bool:
    return connections[alias or analytics_db()].vendor == "postgresql"

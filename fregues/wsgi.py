"""The WSGI application that ``fregues serve`` hands to gunicorn.

Everything a request needs is imported here, not on the first request: gunicorn loads this
module once in its master (``--preload``) and forks the workers from it, so a worker answers
at once instead of spending seconds importing every view — long enough, on a busy machine, for
gunicorn's 30-second timeout to kill it while it was answering its first request.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Import the URLconf (every view and API router) now; hold no database connection across
    the fork. A connection inside a transaction is left alone: a test that imports this module
    runs inside one (closing it there ended the test's transaction on PostgreSQL)."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


_warm()

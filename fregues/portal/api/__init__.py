"""HTTP API of the portal, mounted under /api/v1 by fregues/api.py.

- ``me``: /portal/me (the signed-in customer); portal operations authenticate with the portal
  cookie only (``fregues.portal.auth.portal_auth``), never with a staff token.
- ``privacy``: /portal/privacy/* (the customer's export and requests), /privacy/requests
  (staff) and /parties/{id}/data-export (staff).
"""

from ninja import Router

from . import me, privacy

# (prefix, router) pairs for fregues/api.py to mount, in this order.
ROUTERS: list[tuple[str, Router]] = [
    ("/portal", me.router),
    ("/portal", privacy.portal_router),
    ("/privacy", privacy.staff_router),
    ("/parties", privacy.export_router),
]

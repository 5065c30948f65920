"""HTTP API of the portal, mounted under /api/v1 by fregues/api.py.

- ``me``: /portal/me (the signed-in customer); portal operations authenticate with the portal
  cookie only (``fregues.portal.auth.portal_auth``), never with a staff token.
- ``orders``: /portal/orders, /portal/invoices, /portal/quotes (accept, decline),
  /portal/customisations; ``consents``: /portal/consents; ``help``: /portal/help/articles,
  /portal/suggestions, and the staff's /feedback lists (staff auth).
"""

from ninja import Router

from . import consents, help, me, orders

# (prefix, router) pairs for fregues/api.py to mount, in this order.
ROUTERS: list[tuple[str, Router]] = [
    ("/portal", me.router),
    ("/portal", orders.router),
    ("/portal", consents.router),
    ("/portal", help.router),
    ("/feedback", help.staff_router),
]

"""HTTP API of the portal, mounted under /api/v1 by fregues/api.py.

- ``sign_in``: /portal/sign-in, /portal/sign-in/code, /portal/sign-out (no staff token);
- ``me``: /portal/me (the signed-in customer); portal operations authenticate with the portal
  cookie only (``fregues.portal.auth.portal_auth``), never with a staff token.
- ``requests``: /portal/case-types and /portal/requests (open, list, follow, reply, survey).
- ``privacy``: /portal/privacy/* (the customer's export and requests), /privacy/requests
  (staff) and /parties/{id}/data-export (staff).
- ``orders``: /portal/orders, /portal/invoices, /portal/quotes (accept, decline),
  /portal/customisations; ``consents``: /portal/consents; ``help``: /portal/help/articles,
  /portal/suggestions, and the staff's /feedback lists (staff auth).
"""

from ninja import Router

from . import consents, help, me, orders, privacy, requests, sign_in

# (prefix, router) pairs for fregues/api.py to mount, in this order.
ROUTERS: list[tuple[str, Router]] = [
    ("/portal", me.router),
    ("/portal", sign_in.router),
    ("/portal", requests.router),
    ("/portal", privacy.portal_router),
    ("/privacy", privacy.staff_router),
    ("/parties", privacy.export_router),
    ("/portal", orders.router),
    ("/portal", consents.router),
    ("/portal", help.router),
    ("/feedback", help.staff_router),
]

"""HTTP API of marketing, mounted under /api/v1 by fregues/api.py. One module per area:

- ``segments``: /segments (+ /{id}/count, /{id}/members, /count for unsaved rules)
- ``campaigns``: /campaigns (+ /{id}/send, /{id}/report, /{id}/test)
- ``consents``: /consents, /purposes, /suppressions, /sending-policy, /parties/{id}/offers
"""

from ninja import Router

from . import campaigns, consents, segments

# (prefix, router) pairs for fregues/api.py to mount, in this order.
ROUTERS: list[tuple[str, Router]] = [
    ("/segments", segments.router),
    ("/campaigns", campaigns.router),
    ("/", consents.router),
]

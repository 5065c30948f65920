"""/api/v1/quotes and the customer's signed quote link (/api/v1/public/quotes/{key})."""

from ninja import Router

router = Router(tags=["quotes"])
public_router = Router(tags=["public"], auth=None)

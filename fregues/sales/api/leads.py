"""/api/v1/leads and the public lead forms (/api/v1/forms/{code}/leads)."""

from ninja import Router

router = Router(tags=["leads"])
public_router = Router(tags=["public"], auth=None)

"""/api/v1/lifecycle-rules (the rules that move customers by what they buy) and
/api/v1/parties/{id}/revenue (revenue per customer)."""

from ninja import Router

router = Router(tags=["lifecycle rules"])
revenue_router = Router(tags=["orders"])

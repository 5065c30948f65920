"""/api/v1/activities and /api/v1/parties/{id}/briefing."""

from ninja import Router

router = Router(tags=["activities"])
briefing_router = Router(tags=["activities"])

"""/api/v1/opportunities, /api/v1/pipelines and /api/v1/forecast."""

from ninja import Router

router = Router(tags=["opportunities"])
pipelines_router = Router(tags=["pipelines"])
forecast_router = Router(tags=["opportunities"])

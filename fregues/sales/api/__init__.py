"""HTTP API of sales, mounted under /api/v1 by fregues/api.py. One module per area, each
with its routers:

- ``leads``: /leads, /forms/{code}/leads (public, rate limited)
- ``opportunities``: /opportunities, /pipelines, /forecast
- ``activities``: /activities, /parties/{id}/briefing
- ``catalog``: /products, /price-lists, /tax-rates, /erp/products/{external_id}
- ``quotes``: /quotes, /public/quotes/{key}
- ``orders``: /orders, /invoices, /erp/orders/{external_id}, /erp/invoices/{external_id}
- ``lifecycle``: /lifecycle-rules, /parties/{id}/revenue
"""

from ninja import Router

from . import activities, catalog, leads, lifecycle, opportunities, orders, quotes

# Everything the ERP pushes, under /erp: products, orders, invoices (idempotent PUTs).
erp_router = Router(tags=["ERP"])
erp_router.add_router("/products", catalog.erp_router)
erp_router.add_router("/orders", orders.erp_orders_router)
erp_router.add_router("/invoices", orders.erp_invoices_router)

# (prefix, router) pairs for fregues/api.py to mount, in this order.
ROUTERS: list[tuple[str, Router]] = [
    ("/leads", leads.router),
    ("/forms", leads.public_router),
    ("/opportunities", opportunities.router),
    ("/pipelines", opportunities.pipelines_router),
    ("/forecast", opportunities.forecast_router),
    ("/activities", activities.router),
    ("/parties", activities.briefing_router),
    ("/products", catalog.products_router),
    ("/price-lists", catalog.price_lists_router),
    ("/tax-rates", catalog.tax_rates_router),
    ("/quotes", quotes.router),
    ("/public/quotes", quotes.public_router),
    ("/orders", orders.orders_router),
    ("/invoices", orders.invoices_router),
    ("/parties", lifecycle.revenue_router),
    ("/erp", erp_router),
    ("/lifecycle-rules", lifecycle.router),
]

__all__ = ["ROUTERS"]

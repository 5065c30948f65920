"""/api/v1/orders, /api/v1/invoices, the ERP's upserts and /api/v1/parties/{id}/revenue."""

from ninja import Router

orders_router = Router(tags=["orders"])
invoices_router = Router(tags=["orders"])
erp_orders_router = Router(tags=["ERP"])
erp_invoices_router = Router(tags=["ERP"])
revenue_router = Router(tags=["orders"])

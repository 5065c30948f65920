"""/api/v1/orders, /api/v1/invoices and the ERP's upserts of orders and invoices."""

from ninja import Router

orders_router = Router(tags=["orders"])
invoices_router = Router(tags=["orders"])
erp_orders_router = Router(tags=["ERP"])
erp_invoices_router = Router(tags=["ERP"])

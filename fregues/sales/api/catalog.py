"""/api/v1/products, /api/v1/price-lists, /api/v1/tax-rates and the ERP's product upsert."""

from ninja import Router

products_router = Router(tags=["products"])
price_lists_router = Router(tags=["products"])
tax_rates_router = Router(tags=["products"])
erp_router = Router(tags=["ERP"])

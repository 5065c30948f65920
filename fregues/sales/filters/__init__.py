"""Filters of the sales app, one module per area (leads, opportunities, activities, catalog,
quotes, orders, lifecycle)."""

"""Screens of sales, one module per area; each module owns its URLs (``urlpatterns``),
collected by ``fregues/sales/urls.py``:

- ``deals``: the pipeline board (kanban), the opportunity list and page, the forecast, and
  the pipelines setup
- ``leads``: the lead list and page, the public web form, the lead forms setup
- ``activities``: my activities, the calendar feed, the visit briefing, the customer page's
  deals panel
- ``catalog``: products, price lists and taxes
- ``quotes``: quotes, their PDF and the customer's signed acceptance page
- ``orders``: orders and invoices
- ``lifecycle``: the lifecycle rules setup, revenue per customer on the customer page
- ``setup``: the sales setup overview for administrators

Each view parses input, calls a service or selector, and renders.
"""

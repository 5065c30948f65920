"""Sales screens under /sales/, and the public pages whose addresses go out to customers
(the lead form ``/forms/<code>``, the quote link ``/q/<key>``, the calendar feed
``/calendar/...``: keep them)."""

from django.urls import URLPattern, URLResolver

from .views import activities, catalog, deals, leads, lifecycle, orders, quotes, setup

app_name = "sales"

urlpatterns: list[URLPattern | URLResolver] = [
    *deals.urlpatterns,
    *leads.urlpatterns,
    *activities.urlpatterns,
    *catalog.urlpatterns,
    *quotes.urlpatterns,
    *orders.urlpatterns,
    *lifecycle.urlpatterns,
    *setup.urlpatterns,
]

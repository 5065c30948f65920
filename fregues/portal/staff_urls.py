"""Staff screens for data-subject rights under /privacy/ (the portal's own pages are under
/portal/, with the customer's cookie)."""

from django.urls import URLPattern

from .views import staff_privacy

app_name = "privacy"

urlpatterns: list[URLPattern] = [*staff_privacy.urlpatterns]

"""Marketing screens under /marketing/, and the public addresses that go out in messages
(``/m/u/<token>`` one-click unsubscribe, ``/m/c/<token>`` click tracking: keep them)."""

from django.urls import URLPattern, URLResolver

from .views import campaigns, consents, public, segments

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    *segments.urlpatterns,
    *campaigns.urlpatterns,
    *consents.urlpatterns,
    *public.urlpatterns,
]

"""Screens under /channels/: the agent's inbox and the admin's mailboxes, message providers,
telephony and webhook subscriptions. Each views module lists its own routes."""

from django.urls import URLPattern

from .views import mail, messaging, messaging_providers, telephony, webhooks

app_name = "channels"

urlpatterns: list[URLPattern] = [
    *telephony.urlpatterns,
    *webhooks.urlpatterns,
    *messaging.urlpatterns,
    *messaging_providers.urlpatterns,
    *mail.urlpatterns,
]

"""The customer's portal under /portal/ (its own cookie; staff sign-in is not used here)."""

from django.urls import URLPattern, URLResolver

from .views import (
    consents,
    help_center,
    home,
    orders,
    privacy,
    profile,
    requests,
    sign_in,
    staff_feedback,
)

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    *home.urlpatterns,
    *sign_in.urlpatterns,
    *profile.urlpatterns,
    *requests.urlpatterns,
    *orders.urlpatterns,
    *consents.urlpatterns,
    *privacy.urlpatterns,
    *help_center.urlpatterns,
    *staff_feedback.urlpatterns,
]

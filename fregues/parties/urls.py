from django.urls import path

from . import views
from .views import consent

app_name = "parties"

urlpatterns = [
    path("", views.party_list, name="list"),
    path("search/", views.party_search, name="search"),
    path("new/", views.party_create, name="create"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/scan/", views.duplicates_scan, name="duplicates_scan"),
    path(
        "duplicates/<int:party_a_id>/<int:party_b_id>/",
        views.duplicate_compare,
        name="compare",
    ),
    path("<int:party_id>/", views.party_detail, name="detail"),
    path("<int:party_id>/edit/", views.party_edit, name="edit"),
    path("<int:party_id>/delete/", views.party_delete, name="delete"),
    path("<int:party_id>/contact-points/", views.contact_point_add, name="contact_point_add"),
    path(
        "<int:party_id>/contact-points/<int:point_id>/",
        views.contact_point_edit,
        name="contact_point_edit",
    ),
    path(
        "<int:party_id>/contact-points/<int:point_id>/remove/",
        views.contact_point_remove,
        name="contact_point_remove",
    ),
    path(
        "<int:party_id>/contact-points/<int:point_id>/flag/",
        views.contact_point_flag,
        name="contact_point_flag",
    ),
    path("<int:party_id>/notes/", views.note_add, name="note_add"),
    path("<int:party_id>/consents/", consent.consent_card, name="consents"),
    path("<int:party_id>/consents/record/", consent.consent_change, name="consent_change"),
    path("<int:party_id>/lifecycle/", views.lifecycle_move, name="lifecycle_move"),
    path("<int:party_id>/links/", views.link_add, name="link_add"),
    path("<int:party_id>/links/options/", views.link_options, name="link_options"),
    path("<int:party_id>/links/<int:link_id>/remove/", views.link_remove, name="link_remove"),
    path(
        "<int:party_id>/links/<int:link_id>/portal/",
        views.link_portal_access,
        name="link_portal_access",
    ),
]

from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("customers/<int:party_id>/timeline/", views.timeline, name="timeline"),
    path("customers/<int:party_id>/interactions/new/", views.log_interaction, name="log"),
    path(
        "interactions/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]

"""Customer-service screens, and the public pages whose addresses go out in e-mails
(``/track/<protocol>``, ``/csat/<token>``, ``/partner/work-orders/<token>``: keep them)."""

from django.urls import path

from . import views

app_name = "service"

urlpatterns = [
    # the agent
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_create, name="create"),
    path("cases/new/similar/", views.case_similar, name="similar"),
    path("cases/new/categories/", views.case_categories, name="categories"),
    path("cases/mine/", views.my_work, name="my_work"),
    path("cases/mine/summary/", views.home_my_work_card, name="my_work_card"),
    path("cases/queues/", views.queue_view, name="queues"),
    path("cases/queues/<int:queue_id>/", views.queue_view, name="queue"),
    path("cases/reassign/", views.reassign, name="reassign"),
    path("cases/kb/", views.kb_search, name="kb_search"),
    path("cases/kb/<int:article_id>/", views.kb_article, name="kb_article"),
    # the quality manager
    path("cases/quality/", views.sla_board, name="sla_board"),
    path("cases/quality/avoidable/", views.avoidable, name="avoidable"),
    path("cases/quality/satisfaction/", views.satisfaction, name="satisfaction"),
    path("cases/quality/reviews/", views.reviews, name="reviews"),
    path("cases/quality/reviews/new/", views.review_create, name="review_create"),
    # the administrator
    path("cases/configuration/", views.configuration, name="configuration"),
    path("cases/service.css", views.stylesheet, name="stylesheet"),
    # one case
    path("cases/<str:protocol>/", views.case_detail, name="detail"),
    path("cases/<str:protocol>/transition/", views.case_transition, name="transition"),
    path("cases/<str:protocol>/assign/", views.case_assign, name="assign"),
    path("cases/<str:protocol>/edit/", views.case_edit, name="edit"),
    path("cases/<str:protocol>/contacts/", views.case_contact, name="contact"),
    path("cases/<str:protocol>/contacts/attach/", views.case_attach, name="attach"),
    path("cases/<str:protocol>/dispatch/", views.case_dispatch, name="dispatch"),
    # public pages (no account): printed in e-mails as PUBLIC_BASE_URL + path
    path("track/<str:protocol>", views.track, name="track"),
    path("track/<str:protocol>/", views.track),
    path("csat/<str:token>", views.survey, name="survey"),
    path("csat/<str:token>/", views.survey),
    path("partner/work-orders/<str:token>", views.partner_work_order, name="partner_work_order"),
    path("partner/work-orders/<str:token>/", views.partner_work_order),
]

"""Portal section "My requests": open a request, the list, one request (reply, survey).

Thin: the forms read the browser, the portal's request services decide, and their errors are
shown in the form that caused them (a refused request writes nothing).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fregues.core.downloads import download_response
from fregues.core.errors import NotFound, ServiceError
from fregues.core.views import service_http_errors

from ..auth import portal_required
from ..forms import ReplyForm, RequestOpenForm, SurveyForm, attachments_hint
from ..selectors.requests import (
    portal_attachment_get,
    portal_request_view,
    portal_requests_list,
)
from ..services.requests import portal_request_open, portal_request_reply, portal_survey_answer
from ..texts import opened_message
from ..uploads import uploads_from


def _party(request: HttpRequest) -> Any:
    return request.portal_party  # type: ignore[attr-defined]


@portal_required
def requests(request: HttpRequest) -> HttpResponse:
    """Every request of the customer (and of their organisation, when allowed), newest first."""
    rows = portal_requests_list(party=_party(request), language=get_language())
    return render(request, "portal/requests/list.html", {"rows": rows})


@portal_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Open a request: kind, what it is about, files. Answers with the protocol."""
    language = get_language()
    if request.method != "POST":
        form = RequestOpenForm(language=language)
        return _new_page(request, form)
    form = RequestOpenForm(request.POST, request.FILES, language=language)
    if form.is_valid():
        try:
            opened = portal_request_open(
                actor=None,
                party=_party(request),
                case_type=form.cleaned_data.get("case_type") or "",
                subject=form.cleaned_data.get("subject") or "",
                description=form.cleaned_data.get("description") or "",
                attachments=uploads_from(request.FILES.getlist("attachments")),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            level = messages.SUCCESS if opened.created else messages.INFO
            messages.add_message(
                request, level, opened_message(opened.case.protocol, opened.created)
            )
            return redirect("portal:request_detail", opened.case.protocol)
    status = form.status if form.status != 200 else 422
    return _new_page(request, form, status)


def _new_page(request: HttpRequest, form: RequestOpenForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "attachments_hint": attachments_hint()}
    return render(request, "portal/requests/new.html", context, status=status)


def _detail_page(
    request: HttpRequest, protocol: str, status: int = 200, **forms: Any
) -> HttpResponse:
    view = portal_request_view(party=_party(request), protocol=protocol, language=get_language())
    context = {
        "view": view,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "survey_form": forms.get("survey_form") or SurveyForm(),
        "attachments_hint": attachments_hint(),
    }
    return render(request, "portal/requests/detail.html", context, status=status)


@portal_required
@service_http_errors
def request_detail(request: HttpRequest, protocol: str) -> HttpResponse:
    """One request: its status in words, its public history and messages; reply; survey."""
    return _detail_page(request, protocol)


@require_POST
@portal_required
@service_http_errors
def request_reply(request: HttpRequest, protocol: str) -> HttpResponse:
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal_request_reply(
                actor=None,
                party=_party(request),
                protocol=protocol,
                body=form.cleaned_data.get("body") or "",
                attachments=uploads_from(request.FILES.getlist("attachments")),
            )
        except NotFound:
            raise
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("portal:request_detail", protocol)
    status = form.status if form.status != 200 else 422
    return _detail_page(request, protocol, status, reply_form=form)


@require_POST
@portal_required
@service_http_errors
def request_survey(request: HttpRequest, protocol: str) -> HttpResponse:
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            portal_survey_answer(
                actor=None,
                party=_party(request),
                protocol=protocol,
                score=form.cleaned_data.get("score"),
                comment=form.cleaned_data.get("comment") or "",
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound) and exc.code == "not_found":
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("Thank you for your answer."))
            return redirect("portal:request_detail", protocol)
    status = form.status if form.status != 200 else 422
    return _detail_page(request, protocol, status, survey_form=form)


@portal_required
@service_http_errors
def request_file(request: HttpRequest, protocol: str, attachment_id: int) -> HttpResponse:
    """A file of a message on the customer's request, downloaded (never shown inline)."""
    attachment = portal_attachment_get(
        party=_party(request), protocol=protocol, attachment_id=attachment_id
    )
    # a streaming response, not an HttpResponse subclass: portal_required passes it through
    return download_response(  # type: ignore[return-value]
        attachment.file.open("rb"),
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


urlpatterns: list[URLPattern] = [
    path("requests/", requests, name="requests"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/<str:protocol>/", request_detail, name="request_detail"),
    path("requests/<str:protocol>/reply/", request_reply, name="request_reply"),
    path("requests/<str:protocol>/survey/", request_survey, name="request_survey"),
    path(
        "requests/<str:protocol>/files/<int:attachment_id>/",
        request_file,
        name="request_file",
    ),
]

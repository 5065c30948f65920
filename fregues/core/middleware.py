from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Freguês speaks its configured language (pt-BR by default) until someone picks another.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Brazilian office
    whose machines are set up in English still expects Portuguese. The choice made with the
    language switch (a cookie) or saved on the user wins. API clients negotiate with
    Accept-Language as HTTP intends.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        codes = {code for code, _name in settings.LANGUAGES}
        language = cookie if cookie in codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """Use the signed-in user's chosen language unless the request chose one explicitly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        cookie = request.COOKIES.get("django_language")
        if language and not cookie:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under /api/, an unknown path or a wrong method answers JSON like every other error
    (Django's own 404 page and the router's plain 405 would be HTML or text)."""

    MESSAGES = {404: ("not_found", "No such endpoint."), 405: ("method_not_allowed", "")}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and self._has_nul(request):
            # PostgreSQL text cannot hold NUL: refuse it here, not with a 500 at the database
            message = "Text must not contain the NUL character."
            return JsonResponse(
                {"code": "invalid", "message": message, "errors": {"request": [message]}},
                status=422,
            )
        response = self.get_response(request)
        known = self.MESSAGES.get(response.status_code)
        if (
            known
            and request.path.startswith("/api/")
            and "json" not in response.get("Content-Type", "")
        ):
            code, message = known
            if response.status_code == 405:
                message = f"Method {request.method} is not allowed here. Allowed: {response.get('Allow', '')}."
            json_response = JsonResponse(
                {"code": code, "message": message, "errors": {}}, status=response.status_code
            )
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return True
        if "json" in (request.content_type or ""):
            return b"\\u0000" in request.body or b"\x00" in request.body
        return False


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy on pages; a fixed, stricter one on the API's JSON answers.

    A JSON answer loads nothing, so ``default-src 'none'`` is its whole policy (OWASP's advice
    for APIs), and building the page policy for each of them cost a tenth of a customer-page
    request (issue 13). Pages, the API docs and downloads keep their own policies.
    """

    API_POLICY = "default-src 'none'; frame-ancestors 'none'"

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith("/api/") and "json" in response.get("Content-Type", ""):
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = self.API_POLICY
            return response
        return super().process_response(request, response)

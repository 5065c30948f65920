"""The HTTP API under /api/v1: mounts each app's router and answers every error alike.

Errors are JSON ``{"code", "message", "errors": {field: [messages]}}`` with 401, 403, 404, 409
or 422.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from fregues.accounts.api import router as accounts_router
from fregues.accounts.auth import api_auth
from fregues.analytics.api import ROUTERS as ANALYTICS_ROUTERS
from fregues.core.errors import ServiceError
from fregues.integrations.api import (
    channels_router,
    cti_router,
    exports_router,
    imports_router,
    inbox_router,
    mail_router,
    messaging_inbound_router,
    messaging_providers_router,
    webhooks_router,
)
from fregues.interactions.api import router as interactions_router
from fregues.interactions.api import timeline_router
from fregues.marketing.api import ROUTERS as MARKETING_ROUTERS
from fregues.parties.api import dup_router, purposes_router
from fregues.parties.api import router as parties_router
from fregues.portal.api import ROUTERS as PORTAL_ROUTERS
from fregues.sales.api import ROUTERS as SALES_ROUTERS
from fregues.service.api import (
    cases_router,
    config_router,
    knowledge_router,
    public_router,
    reports_router,
)


class FreguesAPI(NinjaAPI):
    """Builds the OpenAPI document once per root path and language: building it takes seconds
    of CPU, and anyone may ask for /api/v1/openapi.json (the fuzz test found the cost)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.openapi_cache: dict[tuple[str, str], OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, get_language() or "")
        if key not in self.openapi_cache:
            self.openapi_cache[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return self.openapi_cache[key]


api = FreguesAPI(
    title="Freguês API",
    version="1",
    description="The customer memory: parties, contact points, lifecycle, interactions. "
    "Authenticate with `Authorization: Bearer <token>` (`fregues token USERNAME`).",
    auth=api_auth,
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/parties", parties_router)
api.add_router("/parties", timeline_router)
api.add_router("/duplicates", dup_router)
api.add_router("/consent-purposes", purposes_router)
api.add_router("/interactions", interactions_router)
api.add_router("/imports", imports_router)
api.add_router("/exports", exports_router)
api.add_router("/webhook-subscriptions", webhooks_router)
api.add_router("/cti", cti_router)
api.add_router("/webhooks/inbound", messaging_inbound_router)
api.add_router("/channels/providers", messaging_providers_router)
api.add_router("/inbox", inbox_router)
api.add_router("/channels", mail_router)
api.add_router("/channels", channels_router)
api.add_router("/kb", knowledge_router)
api.add_router("/cases", cases_router)
api.add_router("/", config_router)
api.add_router("/reports", reports_router)
api.add_router("/", public_router)
for prefix, sales_router in SALES_ROUTERS:
    api.add_router(prefix, sales_router)
for prefix, marketing_router in MARKETING_ROUTERS:
    api.add_router(prefix, marketing_router)
for prefix, portal_router in PORTAL_ROUTERS:
    api.add_router(prefix, portal_router)
for prefix, analytics_router in ANALYTICS_ROUTERS:
    api.add_router(prefix, analytics_router)


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "payload")]
    if parts and parts[0] in ("payload", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [p for p in error.get("loc", []) if p not in ("payload",)]
        if error.get("type") == "missing":
            message = "This field is required."
        else:
            message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        errors.setdefault(_field_name(loc), []).append(message)
    body = {"code": "invalid", "message": "The data sent is not valid.", "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "code": "unauthenticated",
        "message": "Send 'Authorization: Bearer <token>' (see `fregues token`) or sign in.",
        "errors": {},
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {"code": "not_found", "message": str(exc) or "Not found.", "errors": {}}
    return api.create_response(request, body, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    body = {"code": code.get(exc.status_code, "error"), "message": str(exc), "errors": {}}
    return api.create_response(request, body, status=exc.status_code)

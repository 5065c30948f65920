"""Exports screens: the CSV downloads behind the "Export CSV" buttons.

They take the same GET parameters as the lists they sit on (the customer list's ``q``, ``kind``,
``lifecycle_stage``, ``owner_id``, ``tag``), so the button exports what the user is looking
at, every page of it. The file starts with a UTF-8 byte-order mark: people open these in Excel,
which otherwise garbles "João". A role without ``data.export`` gets the 403 page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from fregues.core.errors import Invalid
from fregues.core.views import service_http_errors
from fregues.parties.filters import PartyFilters

from ..exporting import INTERACTION_FILTERS, csv_response, interaction_export, party_export


@login_required
@require_GET
@service_http_errors
def export_parties(request: HttpRequest) -> StreamingHttpResponse:
    """The customer list, as filtered, as a CSV download."""
    filters = PartyFilters.from_querydict(request.GET).as_kwargs()
    stream = party_export(actor=request.user, filters=filters, bom=True)
    return csv_response(stream, "parties")


@login_required
@require_GET
@service_http_errors
def export_interactions(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Interactions (``party_id``, ``channel``, ``direction``, ``agent_id``, ``since``,
    ``until``) as a CSV download; other parameters of the page are ignored."""
    filters = {name: request.GET.get(name) for name in INTERACTION_FILTERS}
    try:
        stream = interaction_export(actor=request.user, filters=filters, bom=True)
    except Invalid as exc:  # a mistyped date in the address: say which, plainly
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    return csv_response(stream, "interactions")


urlpatterns: list[URLPattern] = [
    path("export/parties.csv", export_parties, name="export_parties"),
    path("export/interactions.csv", export_interactions, name="export_interactions"),
]

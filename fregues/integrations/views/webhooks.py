"""Admin screens of the outbound webhooks under /channels/webhooks/: the subscriptions with
their health, the form (events as checkboxes), and a subscription's page with its deliveries,
each attempt, and the redeliver and ping buttons (HTMX). Everything sits behind
``webhook.configure``: the services refuse and the pages answer 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Forbidden, NotFound, ServiceError
from fregues.core.forms import ServiceForm
from fregues.core.views import service_http_errors

from ..models import WebhookSubscription
from ..webhooks import delivery as sending
from ..webhooks import selectors, services
from ..webhooks.catalogue import EVENT_GROUPS

DELIVERIES_SHOWN = 50


def event_choices(extra: list[str] | None = None) -> list[tuple[str, Any]]:
    """The events as checkbox groups: every event, each group's prefix, each event; plus any
    pattern the subscription already holds (set through the API)."""
    choices: list[tuple[str, Any]] = [("*", _("Every event"))]
    known = {"*"}
    for group, names in EVENT_GROUPS.items():
        options = [(name, name) for name in names]
        known.update(names)
        choices.append((group, options))
    others = [(p, p) for p in extra or [] if p not in known]
    if others:
        choices.append((_("Other"), others))
    return choices


class SubscriptionForm(ServiceForm):
    """What the admin types; the service checks the address and the events."""

    url = forms.CharField(
        label=gettext_lazy("Receiver URL"),
        max_length=500,
        help_text=gettext_lazy("The address we POST each event to (https:// in production)."),
        widget=forms.TextInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, patterns: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event_choices = event_choices(patterns)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = self.event_choices

    def event_groups(self) -> list[dict[str, Any]]:
        """The checkboxes by group, for the template."""
        chosen = set(self["event_types"].value() or [])
        groups: list[dict[str, Any]] = []
        for value, label in self.event_choices:
            options = label if isinstance(label, list | tuple) else [(value, label)]
            name = str(value) if isinstance(label, list | tuple) else ""
            groups.append({"name": name, "options": [(v, lab, v in chosen) for v, lab in options]})
        return groups


def _form_page(
    request: HttpRequest,
    form: SubscriptionForm,
    subscription: WebhookSubscription | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "subscription": subscription}
    return render(request, "integrations/webhooks/form.html", context, status=status)


@login_required
@require_GET
@service_http_errors
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The subscriptions with their health."""
    subscriptions = selectors.webhook_subscription_list(actor=request.user)
    return render(request, "integrations/webhooks/list.html", {"subscriptions": subscriptions})


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def webhook_create(request: HttpRequest) -> HttpResponse:
    """A new subscription; the next page shows its secret, once."""
    selectors.webhook_subscription_list(actor=request.user)  # the permission check
    if request.method != "POST":
        return _form_page(request, SubscriptionForm(initial={"is_active": True}))
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        created = services.webhook_subscription_create(actor=request.user, **data)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        return _form_page(request, form, status=exc.status)
    return _render_subscription(request, created.subscription.pk, secret=created.secret, status=201)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def webhook_edit(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.webhook_subscription_get(
        actor=request.user, subscription_id=subscription_id
    )
    patterns = list(subscription.event_types)
    if request.method != "POST":
        initial = {
            "url": subscription.url,
            "description": subscription.description,
            "event_types": patterns,
            "is_active": subscription.is_active,
            "version": subscription.version,
        }
        return _form_page(
            request, SubscriptionForm(initial=initial, patterns=patterns), subscription
        )
    form = SubscriptionForm(request.POST, patterns=patterns)
    if not form.is_valid():
        return _form_page(request, form, subscription, status=422)
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        services.webhook_subscription_update(
            actor=request.user,
            subscription_id=subscription.pk,
            data=data,
            version=form.cleaned_data["version"],
        )
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        return _form_page(request, form, subscription, status=exc.status)
    return redirect("channels:webhook_detail", subscription.pk)


DETAIL = "integrations/webhooks/detail.html"
DELIVERIES = "integrations/webhooks/partials/deliveries.html"


def _render_subscription(
    request: HttpRequest,
    subscription_id: int,
    template: str = DETAIL,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    """The subscription's page (or its deliveries fragment), the latest deliveries first."""
    subscription = selectors.webhook_subscription_get(
        actor=request.user, subscription_id=subscription_id
    )
    deliveries, _cursor = selectors.webhook_delivery_list(
        actor=request.user, subscription_id=subscription_id, limit=DELIVERIES_SHOWN
    )
    context = {"subscription": subscription, "deliveries": deliveries, "secret": secret}
    return render(request, template, context, status=status)


@login_required
@require_GET
@service_http_errors
def webhook_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    return _render_subscription(request, subscription_id)


@login_required
@require_GET
@service_http_errors
def webhook_deliveries(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """The deliveries fragment (the Refresh button)."""
    return _render_subscription(request, subscription_id, DELIVERIES)


@login_required
@require_POST
@service_http_errors
def webhook_ping(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Send a ping now; answer with the deliveries, the ping on top."""
    sending.webhook_subscription_ping(actor=request.user, subscription_id=subscription_id)
    return _render_subscription(request, subscription_id, DELIVERIES)


@login_required
@require_POST
@service_http_errors
def webhook_redeliver(request: HttpRequest, subscription_id: int, delivery_id: int) -> HttpResponse:
    sending.webhook_delivery_redeliver(
        actor=request.user, subscription_id=subscription_id, delivery_id=delivery_id
    )
    return _render_subscription(request, subscription_id, DELIVERIES)


@login_required
@require_POST
@service_http_errors
def webhook_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """A new secret, shown on the page this once."""
    created = services.webhook_subscription_rotate_secret(
        actor=request.user, subscription_id=subscription_id
    )
    return _render_subscription(request, created.subscription.pk, secret=created.secret)


@login_required
@require_POST
@service_http_errors
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    services.webhook_subscription_delete(actor=request.user, subscription_id=subscription_id)
    return redirect("channels:webhooks")


urlpatterns: list[URLPattern] = [
    path("webhooks/", webhook_list, name="webhooks"),
    path("webhooks/new/", webhook_create, name="webhook_create"),
    path("webhooks/<int:subscription_id>/", webhook_detail, name="webhook_detail"),
    path("webhooks/<int:subscription_id>/edit/", webhook_edit, name="webhook_edit"),
    path(
        "webhooks/<int:subscription_id>/deliveries", webhook_deliveries, name="webhook_deliveries"
    ),
    path("webhooks/<int:subscription_id>/ping", webhook_ping, name="webhook_ping"),
    path(
        "webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver",
        webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("webhooks/<int:subscription_id>/rotate-secret", webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:subscription_id>/delete", webhook_delete, name="webhook_delete"),
]

"""Customer screens: list and search, create and edit, the customer page and its forms."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from .. import selectors, services, ui_selectors
from ..contact_hours import weekdays_of
from ..filters import PartyFilters
from ..forms import (
    AffiliationForm,
    ContactPointForm,
    LifecycleForm,
    NoteForm,
    PartyCreateForm,
    PartyForm,
)
from ..models import LifecycleStage, Party, PartyKind
from ..services.lifecycle import FUNNEL
from .common import CONTACT_KIND_ORDER, _detail_url, _merged_redirect

# ---------------------------------------------------------------- list and search


@login_required
@require_GET
@service_http_errors
def party_list(request: HttpRequest) -> HttpResponse:
    """Every live party, filtered (q, kind, stage, owner, tag), a keyset page at a time."""
    filters = PartyFilters.from_querydict(request.GET)
    cursor = request.GET.get("cursor") or None
    try:
        parties, next_cursor = ui_selectors.party_list_page(
            actor=request.user, filters=filters, cursor=cursor
        )
    except Invalid:  # a stale or mangled cursor: start over
        parties, next_cursor = ui_selectors.party_list_page(
            actor=request.user, filters=filters, cursor=None
        )
        cursor = None
    context = {
        "parties": parties,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "filters": filters,
        "filtered": any(filters.as_kwargs().values()),
        "kinds": PartyKind.choices,
        "stages": LifecycleStage.choices,
        "owners": ui_selectors.owner_choices(actor=request.user),
        "tags": ui_selectors.tag_names(actor=request.user),
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "parties/partials/list_rows.html", context)
    return render(request, "parties/list.html", context)


@login_required
@require_GET
@service_http_errors
def party_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type: the dropdown under the search box."""
    q = (request.GET.get("q") or "").strip()
    results = selectors.party_search(actor=request.user, q=q, limit=8) if q else []
    return render(request, "parties/partials/search_results.html", {"q": q, "results": results})


@login_required
@require_GET
@service_http_errors
def link_options(request: HttpRequest, party_id: int) -> HttpResponse:
    """Organisations (for a person) or people (for an organisation) to link, by search."""
    party = selectors.party_get(actor=request.user, party_id=party_id)
    kind = PartyKind.ORGANIZATION if party.is_person else PartyKind.PERSON
    q = request.GET.get("link-link_q") or request.GET.get("link_q") or ""
    options = ui_selectors.link_options(actor=request.user, q=q, kind=kind, exclude_id=party.pk)
    return render(
        request, "parties/partials/link_options.html", {"options": options, "q": q, "party": party}
    )


# ---------------------------------------------------------------- create and edit


@login_required
@service_http_errors
def party_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "party.create")
    owners = ui_selectors.owner_choices(actor=request.user)
    if request.method == "POST":
        form = PartyCreateForm(request.POST, owner_choices=owners)
        if form.is_valid():
            points = form.contact_points()
            try:
                party = services.party_create(
                    actor=request.user,
                    data=form.profile_data(),
                    contact_points=points,
                    tags=form.tag_list(),
                    lifecycle_stage=form.cleaned_data["lifecycle_stage"],
                )
            except ServiceError as exc:
                form.add_service_error(exc, field=_conflict_field(form, exc))
            else:
                messages.success(request, _("%(name)s was created.") % {"name": party.name})
                return redirect("parties:detail", party.pk)
    else:
        initial = (
            {"owner": str(request.user.pk)}
            if any(str(request.user.pk) == o for o, _n in owners)
            else {}
        )
        if request.GET.get("name"):
            initial["given_name"] = request.GET["name"]
        if request.GET.get("phone"):  # "new caller" from the telephony screen-pop
            initial["phone"] = request.GET["phone"]
        form = PartyCreateForm(owner_choices=owners, initial=initial)
    return _render_form(request, "parties/form.html", form, {"creating": True})


def _conflict_field(form: PartyCreateForm, exc: ServiceError) -> str | None:
    """Which of the create form's contact fields a 409 is about (for the message beside it)."""
    if exc.code != "contact_point_taken":
        return None
    text = exc.message.casefold()
    email = (form.cleaned_data.get("email") or "").strip().casefold()
    if email and email in text:
        return "email"
    phone_digits = "".join(ch for ch in form.cleaned_data.get("phone") or "" if ch.isdigit())
    message_digits = "".join(ch for ch in exc.message if ch.isdigit())
    if phone_digits and phone_digits[-8:] in message_digits:
        return "phone"
    if form.cleaned_data.get("social_handle"):
        return "social_handle"
    return None


def _render_form(
    request: HttpRequest, template: str, form: Any, extra: dict[str, Any]
) -> HttpResponse:
    status = getattr(form, "status", 200)
    if status == 200 and form.is_bound and form.errors:
        status = 422
    context = {"form": form, "tags": ui_selectors.tag_names(actor=request.user), **extra}
    return render(request, template, context, status=status)


@login_required
@service_http_errors
def party_edit(request: HttpRequest, party_id: int) -> HttpResponse:
    try:
        party = selectors.party_get(actor=request.user, party_id=party_id)
    except NotFound as exc:
        if target := _merged_redirect(exc):
            return target
        raise
    require(request.user, "party.change")  # the form is no use to a role that may not save it
    owners = ui_selectors.owner_choices(actor=request.user)
    if request.method == "POST":
        form = PartyForm(request.POST, owner_choices=owners)
        if form.is_valid():
            try:
                services.party_update(
                    actor=request.user,
                    party_id=party.pk,
                    data=form.profile_data(),
                    tags=form.tag_list(),
                    version=form.cleaned_data.get("version"),
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("parties:detail", party.pk)
    else:
        person_name = " ".join(p for p in (party.given_name, party.family_name) if p)
        form = PartyForm(
            owner_choices=owners,
            initial={
                "kind": party.kind,
                "given_name": party.given_name,
                "family_name": party.family_name,
                "name": "" if party.is_person and party.name == person_name else party.name,
                "legal_name": party.legal_name,
                "tax_id": party.tax_id,
                "country": party.country,
                "language": party.language,
                "preferred_channel": party.preferred_channel,
                "tier": party.tier,
                "contact_hours_start": party.contact_hours_start,
                "contact_hours_end": party.contact_hours_end,
                "contact_weekdays": [str(d) for d in weekdays_of(party.contact_weekdays)],
                "birth_date": party.birth_date.isoformat() if party.birth_date else "",
                "owner": str(party.owner_id or ""),
                "tags": ", ".join(t.name for t in party.tags.all()),
                "version": party.version,
            },
        )
    return _render_form(request, "parties/form.html", form, {"party": party, "creating": False})


@login_required
@require_POST
@service_http_errors
def party_delete(request: HttpRequest, party_id: int) -> HttpResponse:
    version = request.POST.get("version")
    try:
        party = selectors.party_get(actor=request.user, party_id=party_id)
        services.party_delete(
            actor=request.user,
            party_id=party_id,
            version=int(version) if version and version.isdigit() else None,
        )
    except ServiceError as exc:
        messages.error(request, _conflict_text(exc))
        return redirect("parties:detail", party_id)
    messages.success(request, _("%(name)s was deleted.") % {"name": party.name})
    return redirect("parties:list")


def _conflict_text(exc: ServiceError) -> str:
    if exc.code == "version_conflict":
        return _(
            "Someone else changed this record while you were editing it. "
            "Reload the page to see their changes, then try again."
        )
    if exc.code == "forbidden":
        return _("Your role does not allow this action.")
    return exc.message


# ---------------------------------------------------------------- the customer page


def party_page_context(request: HttpRequest, party: Party, **forms: Any) -> dict[str, Any]:
    """Everything the customer page shows; ``forms`` replace the blank forms (with errors)."""
    user = request.user
    points = sorted(
        party.contact_points.all(),
        key=lambda p: (CONTACT_KIND_ORDER.get(p.kind, 9), not p.is_primary, p.pk),
    )
    open_form = forms.get("open_form", "")
    point_rows = [
        (
            point,
            forms.get(f"cp_edit_{point.pk}") or ContactPointForm(point=point),
            open_form == f"cp_edit_{point.pk}",
        )
        for point in points
    ]
    links = party.affiliations.all() if party.is_person else party.members.all()
    funnel = [(s.value, s.label) for s in FUNNEL]
    stage = party.lifecycle_stage
    passed = (
        [s.value for s in FUNNEL[: FUNNEL.index(cast(LifecycleStage, stage))]]
        if stage in FUNNEL
        else []
    )
    return {
        "party": party,
        "funnel": funnel,
        "passed": passed,
        "point_rows": point_rows,
        "cp_form": forms.get("cp_form") or ContactPointForm(prefix="cp-new"),
        "lifecycle_form": forms.get("lifecycle_form")
        or LifecycleForm(stage=party.lifecycle_stage, initial={"version": party.version}),
        "moves": list(selectors.lifecycle_history(actor=user, party_id=party.pk)[:20]),
        "note_form": forms.get("note_form") or NoteForm(),
        "notes": ui_selectors.party_notes(actor=user, party_id=party.pk),
        "links": links,
        "link_form": forms.get("link_form") or AffiliationForm(prefix="link"),
        "duplicates": ui_selectors.possible_duplicates(actor=user, party=party),
        "audit": selectors.audit_history(actor=user, party_id=party.pk, limit=30)
        if can(user, "audit.view")
        else None,
        "open_form": open_form,
    }


def _load_party(request: HttpRequest, party_id: int) -> Party:
    return selectors.party_get(actor=request.user, party_id=party_id)


def _page(request: HttpRequest, party: Party, status: int = 200, **forms: Any) -> HttpResponse:
    return render(
        request, "parties/detail.html", party_page_context(request, party, **forms), status=status
    )


@login_required
@require_GET
@service_http_errors
def party_detail(request: HttpRequest, party_id: int) -> HttpResponse:
    """The customer page. A merged party's address leads to the party it was merged into."""
    try:
        party = _load_party(request, party_id)
    except NotFound as exc:
        if target := _merged_redirect(exc):
            messages.info(
                request,
                _("Customer %(id)s was merged into this one.") % {"id": party_id},
            )
            return target
        raise
    return _page(request, party)


def _party_action(
    request: HttpRequest,
    party_id: int,
    form: Any,
    form_key: str,
    run: Any,
    success: str,
) -> HttpResponse:
    """Run a service with a valid form; on success go back to the page, else show the page
    again with the form and its errors (htmx swaps the page region, keeping the scroll)."""
    try:
        if form.is_valid():
            run(form)
            messages.success(request, success)
            return redirect("parties:detail", party_id)
    except NotFound as exc:
        if target := _merged_redirect(exc):
            messages.warning(request, _("This customer was merged; here is the surviving record."))
            return target
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        form.reload_url = _detail_url(party_id)
    party = _load_party(request, party_id)
    status = form.status if form.status != 200 else 422
    return _page(request, party, status=status, open_form=form_key, **{form_key: form})


@login_required
@require_POST
@service_http_errors
def contact_point_add(request: HttpRequest, party_id: int) -> HttpResponse:
    form = ContactPointForm(request.POST, prefix="cp-new")
    return _party_action(
        request,
        party_id,
        form,
        "cp_form",
        lambda f: services.contact_point_add(
            actor=request.user, party_id=party_id, data=f.service_data()
        ),
        _("Contact point added."),
    )


@login_required
@require_POST
@service_http_errors
def contact_point_edit(request: HttpRequest, party_id: int, point_id: int) -> HttpResponse:
    party = _load_party(request, party_id)
    point = next((p for p in party.contact_points.all() if p.pk == point_id), None)
    if point is None:
        raise NotFound(_("This contact point no longer exists."))
    form = ContactPointForm(request.POST, point=point)
    return _party_action(
        request,
        party_id,
        form,
        f"cp_edit_{point.pk}",
        lambda f: services.contact_point_update(
            actor=request.user, party_id=party_id, point_id=point_id, data=f.service_data()
        ),
        _("Contact point saved."),
    )


@login_required
@require_POST
@service_http_errors
def contact_point_remove(request: HttpRequest, party_id: int, point_id: int) -> HttpResponse:
    try:
        services.contact_point_remove(actor=request.user, party_id=party_id, point_id=point_id)
    except ServiceError as exc:
        messages.error(request, _conflict_text(exc))
    else:
        messages.success(request, _("Contact point removed."))
    return redirect("parties:detail", party_id)


@login_required
@require_POST
@service_http_errors
def contact_point_flag(request: HttpRequest, party_id: int, point_id: int) -> HttpResponse:
    """One-click "make primary" / "mark verified"."""
    flag = request.POST.get("flag")
    if flag not in {"is_primary", "is_verified"}:
        raise NotFound("Unknown flag.")
    value = request.POST.get("value", "1") == "1"
    try:
        services.contact_point_update(
            actor=request.user, party_id=party_id, point_id=point_id, data={flag: value}
        )
    except ServiceError as exc:
        messages.error(request, _conflict_text(exc))
    else:
        messages.success(request, _("Contact point saved."))
    return redirect("parties:detail", party_id)


@login_required
@require_POST
@service_http_errors
def note_add(request: HttpRequest, party_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    return _party_action(
        request,
        party_id,
        form,
        "note_form",
        lambda f: services.note_add(
            actor=request.user,
            party_id=party_id,
            body=f.cleaned_data["body"],
            before_visit=f.cleaned_data.get("before_visit", False),
        ),
        _("Note added."),
    )


@login_required
@require_POST
@service_http_errors
def lifecycle_move(request: HttpRequest, party_id: int) -> HttpResponse:
    try:
        party = _load_party(request, party_id)
    except NotFound as exc:
        if target := _merged_redirect(exc):
            return target
        raise
    form = LifecycleForm(request.POST, stage=party.lifecycle_stage)

    def run(f: LifecycleForm) -> None:
        services.lifecycle_move(
            actor=request.user,
            party_id=party_id,
            to_stage=f.cleaned_data["to_stage"],
            reason=f.cleaned_data.get("reason", ""),
            version=f.cleaned_data.get("version"),
        )

    return _party_action(
        request, party_id, form, "lifecycle_form", run, _("Lifecycle stage changed.")
    )


@login_required
@require_POST
@service_http_errors
def link_add(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _load_party(request, party_id)
    form = AffiliationForm(request.POST, prefix="link")

    def run(f: AffiliationForm) -> None:
        other = f.cleaned_data["other_id"]
        person_id, org_id = (party.pk, other) if party.is_person else (other, party.pk)
        services.affiliation_add(
            actor=request.user,
            person_id=person_id,
            organization_id=org_id,
            role=f.cleaned_data.get("role", ""),
            is_primary=bool(f.cleaned_data.get("is_primary")),
        )

    return _party_action(request, party_id, form, "link_form", run, _("Link added."))


@login_required
@require_POST
@service_http_errors
def link_remove(request: HttpRequest, party_id: int, link_id: int) -> HttpResponse:
    party = _load_party(request, party_id)
    links = party.affiliations.all() if party.is_person else party.members.all()
    if not any(link.pk == link_id for link in links):
        raise NotFound(_("This link no longer exists."))
    try:
        services.affiliation_remove(actor=request.user, affiliation_id=link_id)
    except ServiceError as exc:
        messages.error(request, _conflict_text(exc))
    else:
        messages.success(request, _("Link removed."))
    return redirect("parties:detail", party_id)


@login_required
@require_POST
@service_http_errors
def link_portal_access(request: HttpRequest, party_id: int, link_id: int) -> HttpResponse:
    """The links panel's toggle: this person sees (or stops seeing) the organisation's
    requests in the customer portal."""
    _load_party(request, party_id)
    sees = request.POST.get("portal_sees_cases") == "1"
    try:
        services.affiliation_portal_access_set(
            actor=request.user, affiliation_id=link_id, sees_cases=sees, party_id=party_id
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, _conflict_text(exc))
    else:
        messages.success(
            request,
            _("They now see the organisation's requests in the portal.")
            if sees
            else _("They no longer see the organisation's requests in the portal."),
        )
    return redirect("parties:detail", party_id)

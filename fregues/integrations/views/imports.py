"""Import screens: upload a file, check how its columns map, start, watch, read the summary.

The flow follows the engine in ``fregues.integrations.services``. An upload becomes a pending
job (a file that cannot be read is refused in the form and nothing is kept). Until it is
started, the job's page shows its first rows under one field chooser per column, guessed from
the header; Start saves the choice and queues the run. From then on the page polls a small
progress fragment every second, which turns into the summary when the run ends, with the
rejected rows to download. Everything sits behind ``data.import``: the service refuses and
the page answers 403.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from fregues.core.errors import Forbidden, Invalid, NotFound, ServiceError
from fregues.core.forms import ServiceForm
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from ..models import ImportJob
from ..services import (
    import_job_configure,
    import_job_create,
    import_job_get,
    import_job_list,
    import_job_start,
    import_preview,
)

PREVIEW_ROWS = 5
ENCODINGS = [
    ("", gettext_lazy("Detect (UTF-8, else Windows-1252)")),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows-1252"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16"),
]


class ImportUploadForm(ServiceForm):
    """The upload: the file and how to read it; the engine checks everything else."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (any separator) or XLSX, with the column names on the first line."
        ),
        widget=forms.FileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv", "class": "file-input"}
        ),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=ImportJob.Kind.choices,
        initial=ImportJob.Kind.PARTIES,
        widget=forms.RadioSelect,
    )
    on_match = forms.ChoiceField(
        label=gettext_lazy("When the customer already exists"),
        choices=ImportJob.OnMatch.choices,
        initial=ImportJob.OnMatch.UPDATE,
    )
    source = forms.CharField(
        label=gettext_lazy("Source system"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "Where the file's customer codes come from (erp, shop…): the same code from the "
            "same system is the same customer."
        ),
        widget=forms.TextInput(attrs={"placeholder": "import"}),
    )
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=ENCODINGS, required=False)


def _is_waiting_for_mapping(job: ImportJob) -> bool:
    return job.awaits_mapping


def summary_of(job: ImportJob) -> dict[str, Any]:
    """The counters as a person reads them: ``skipped`` holds the repeats within the file."""
    duplicates = int(job.options.get("duplicates") or 0)
    return {
        "duplicates": duplicates,
        "unchanged": max(job.skipped - duplicates, 0),
        "notes": job.options.get("notes") or [],
        "waiting": job.status == ImportJob.Status.PENDING,
    }


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def imports(request: HttpRequest) -> HttpResponse:
    """The recent imports and the upload form; a good upload goes to its mapping page."""
    jobs = import_job_list(actor=request.user, limit=30)  # also the permission check
    if request.method != "POST":
        # a role that may not change customers can still add new ones: skip the known ones
        on_match = "update" if can(request.user, "party.change") else "skip"
        initial = {"on_match": on_match}
        if request.GET.get("kind") in ImportJob.Kind.values:  # "Import leads" from the leads
            initial["kind"] = request.GET["kind"]
        return _imports_page(request, ImportUploadForm(initial=initial), jobs)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, form, jobs, status=422)
    upload = form.cleaned_data["file"]
    try:
        job = import_job_create(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            file=upload,
            filename=upload.name or "",
            on_match=form.cleaned_data["on_match"],
            source=form.cleaned_data["source"],
            encoding=form.cleaned_data["encoding"] or None,
        )
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        return _imports_page(request, form, jobs, status=exc.status)
    return redirect("integrations:import_detail", job.pk)


def _imports_page(
    request: HttpRequest, form: ImportUploadForm, jobs: list[ImportJob], status: int = 200
) -> HttpResponse:
    context = {"form": form, "jobs": jobs}
    return render(request, "integrations/imports.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A pending job's mapping screen (POST: save the mapping and start), else its progress
    and, once finished, its summary."""
    job = import_job_get(actor=request.user, job_id=job_id)
    if not _is_waiting_for_mapping(job):
        if request.method == "POST":  # Start pressed twice: it runs once
            return redirect("integrations:import_detail", job.pk)
        context = {"job": job, "summary": summary_of(job)}
        return render(request, "integrations/import_detail.html", context)
    try:
        preview = import_preview(actor=request.user, job_id=job.pk, count=PREVIEW_ROWS)
    except Invalid as exc:  # the stored file is gone or unreadable since the upload
        return _mapping_page(request, job, None, job.mapping, error=exc)
    if request.method != "POST":
        return _mapping_page(request, job, preview, job.mapping)
    chosen = {
        column: request.POST.get(f"col_{index}", "")
        for index, column in enumerate(preview["header"])
    }
    try:
        import_job_configure(
            actor=request.user,
            job_id=job.pk,
            mapping=chosen,
            on_match=request.POST.get("on_match") or None,
        )
        import_job_start(actor=request.user, job_id=job.pk)
    except NotFound:
        raise
    except ServiceError as exc:  # the access itself was checked above: fixable here
        job.refresh_from_db()
        return _mapping_page(request, job, preview, chosen, error=exc)
    return redirect("integrations:import_detail", job.pk)


def _mapping_page(
    request: HttpRequest,
    job: ImportJob,
    preview: dict[str, Any] | None,
    chosen: dict[str, str],
    error: ServiceError | None = None,
) -> HttpResponse:
    """The first rows under a field chooser per column (labels in the reader's language: the
    engine's labels are English, translated here under their own context)."""
    fields = [
        (f["name"], pgettext("import field", f["label"])) for f in (preview or {}).get("fields", [])
    ]
    columns = [
        {"index": index, "name": name, "field": chosen.get(name, "")}
        for index, name in enumerate((preview or {}).get("header", []))
    ]
    return render(
        request,
        "integrations/import_mapping.html",
        {
            "job": job,
            "preview": preview,
            "columns": columns,
            "fields": fields,
            "on_match_choices": ImportJob.OnMatch.choices,
            "problems": _problems(error),
            "summary": summary_of(job),
        },
        status=error.status if error is not None else 200,
    )


def _problems(error: ServiceError | None) -> list[str]:
    """What to say on top of the mapping: the message, each detail, and a way out of a 403."""
    if error is None:
        return []
    messages = [error.message]
    for problems in error.errors.values():
        messages += [p for p in problems if p not in messages]
    if isinstance(error, Forbidden) and error.details.get("permission") == "party.change":
        messages.append(
            _("Your role may not change existing customers: choose “%(skip)s” or “%(create)s”.")
            % {"skip": ImportJob.OnMatch.SKIP.label, "create": ImportJob.OnMatch.CREATE.label}
        )
    return messages


@login_required
@require_GET
@service_http_errors
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress fragment the job page polls; finished, it is the summary and stops. The
    status badge in the page's head comes along (out of band)."""
    job = import_job_get(actor=request.user, job_id=job_id)
    context = {"job": job, "summary": summary_of(job), "polled": True}
    return render(request, "integrations/partials/progress.html", context)


@login_required
@require_GET
@service_http_errors
def import_rejected(request: HttpRequest, job_id: int) -> FileResponse:
    """The rejected rows as CSV: line, reason, then the row as it was in the file."""
    return rejected_rows_download(import_job_get(actor=request.user, job_id=job_id))


def rejected_rows_download(job: ImportJob) -> FileResponse:
    """``job``'s rejected-rows CSV as a download (the screen's and the API's); NotFound when
    no row was rejected."""
    if not job.error_file:
        raise NotFound(_("This import has no rejected rows."))
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=f"{Path(job.filename).stem}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


urlpatterns: list[URLPattern] = [
    path("imports/", imports, name="imports"),
    path("imports/<int:job_id>/", import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress", import_progress, name="import_progress"),
    path("imports/<int:job_id>/rejected.csv", import_rejected, name="import_rejected"),
]

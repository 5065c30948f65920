"""The import screens: upload, mapping preview, start, progress, summary, rejected rows.

Background tasks run at once in the tests (root conftest), but only when a transaction
commits; inside a test's transaction ``django_capture_on_commit_callbacks(execute=True)`` lets
the Start button's task run.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fregues.integrations.models import ImportJob
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party

pytestmark = pytest.mark.django_db

IMPORTS = "/data/imports/"
PARTIES_CSV = (
    "Nome;E-mail;Telefone;Código;Observação\n"
    "João da Silva;joao@example.com;(11) 98765-4321;C1;vip\n"
    "Maria Souza;maria@exemplo.com.br;(21) 99876-5432;C2;\n"
    "Pedro Alves;pedro@exemplo.com.br;;C3;novo\n"
    ";sem-nome@example.com;;C4;\n"
    "João da Silva;joao@example.com;;C1;\n"
).encode()
# what the screen offers for PARTIES_CSV: the guess from the header, as the selects send it
GUESS = {"col_0": "name", "col_1": "email", "col_2": "phone", "col_3": "external_id"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, content: bytes, name: str = "clientes.csv", **fields: str) -> Any:
    data = {"kind": "parties", "on_match": "update", "source": "erp", **fields}
    data["file"] = SimpleUploadedFile(name, content)  # type: ignore[assignment]
    return client.post(IMPORTS, data)


def uploaded(user: Any, content: bytes = PARTIES_CSV, **fields: str) -> tuple[Client, ImportJob]:
    """``user``'s client and the pending job of the file it just uploaded."""
    client = client_for(user)
    response = upload(client, content, **fields)
    assert response.status_code == 302, text(response)
    return client, ImportJob.objects.order_by("-id")[0]


def xlsx(*rows: list[Any]) -> bytes:
    """A workbook whose first sheet holds ``rows``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def start(client: Client, job: ImportJob, capture: Any, **columns: str) -> Any:
    with capture(execute=True):
        return client.post(f"{IMPORTS}{job.pk}/", columns)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def text(response: Any) -> str:
    return response.content.decode()


def test_upload_preview_change_mapping_start_and_read_the_summary(
    manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(manager)
    response = upload(client, PARTIES_CSV)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:import_detail", args=[job.pk])
    assert job.status == "pending" and job.created_by == manager and job.source == "erp"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = text(page)
    # the header's names, a chooser per column with the guess selected, the first rows
    assert "Observação" in html and "Maria Souza" in html and "(21) 99876-5432" in html
    assert '<select class="input input-sm import-col-field is-mapped" id="col_0"' in html
    assert '<option value="name" selected>' in html
    assert '<option value="external_id" selected>' in html
    assert 'name="col_4"' in html  # "Observação": not guessed, still offered
    assert "import-progress" not in html  # nothing runs before Start
    assert Party.objects.count() == 0

    # phones left out, the remark column goes to tags
    chosen = {"col_0": "name", "col_1": "email", "col_2": "", "col_3": "external_id"}
    response = start(client, job, django_capture_on_commit_callbacks, **chosen, col_4="tags")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {
        "Nome": "name",
        "E-mail": "email",
        "Código": "external_id",
        "Observação": "tags",
    }
    assert job.status == "done"
    assert (job.created, job.updated, job.rejected) == (3, 0, 1)
    assert job.options["duplicates"] == 1
    assert not ContactPoint.objects.filter(kind="phone").exists()
    assert set(Party.objects.get(name="Pedro Alves").tags.values_list("name", flat=True)) == {
        "novo"
    }

    summary = text(client.get(f"{IMPORTS}{job.pk}/"))
    assert 'data-count="created">3<' in summary
    assert 'data-count="updated">0<' in summary
    assert 'data-count="duplicates">1<' in summary
    assert 'data-count="rejected">1<' in summary
    assert "every 1s" not in summary  # finished: no more polling
    rejected_url = reverse("integrations:import_rejected", args=[job.pk])
    assert rejected_url in summary

    download = client.get(rejected_url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "clientes-rejected.csv" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason", "Nome", "E-mail", "Telefone", "Código", "Observação"]
    assert rows[1][0] == "5" and rows[1][3] == "sem-nome@example.com"
    assert rows[1][1]  # the reason

    listing = text(client.get(IMPORTS))
    assert "clientes.csv" in listing and manager.display_name in listing


def test_the_progress_fragment_polls_until_the_run_ends(manager: Any) -> None:
    client, job = uploaded(manager)
    client.post(f"{IMPORTS}{job.pk}/", {"col_0": "name"})  # queued; no commit, no run
    job.refresh_from_db()
    assert job.status == "pending" and job.options["queued"] is True

    page = text(client.get(f"{IMPORTS}{job.pk}/"))
    progress_url = reverse("integrations:import_progress", args=[job.pk])
    assert f'hx-get="{progress_url}" hx-trigger="every 1s"' in page
    assert 'name="col_0"' not in page  # the mapping is settled once started

    ImportJob.objects.filter(pk=job.pk).update(
        status="running", rows_done=2, rows_total=4, rows_per_second=1234.0
    )
    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    html = text(fragment)
    assert fragment.status_code == 200 and html.lstrip().startswith("<section")
    assert 'hx-trigger="every 1s"' in html
    assert 'value="50"' in html and "2 de 4 linhas" in html and "linhas/s" in html

    ImportJob.objects.filter(pk=job.pk).update(status="done", rows_done=4, created=4)
    html = text(client.get(progress_url))
    assert "every 1s" not in html and 'data-count="created">4<' in html
    assert 'id="import-status" hx-swap-oob="true"' in html and "Concluída" in html


@pytest.mark.parametrize(
    ("content", "fields", "message"),
    [
        (b"PK\x03\x04 this is not a workbook", {}, "XLSX"),
        (b"\x00\x01\x02\x03binary\x00" * 20, {}, "CSV"),
        ("Nome;Cidade\nJoão;São Paulo\n".encode("cp1252"), {"encoding": "utf-8"}, "utf-8"),
        (b"", {}, ""),
    ],
    ids=["broken-xlsx", "binary", "wrong-encoding", "empty"],
)
def test_a_bad_file_shows_the_error_and_leaves_nothing(
    manager: Any, content: bytes, fields: dict[str, str], message: str
) -> None:
    client = client_for(manager)
    response = upload(client, content, **fields)
    assert response.status_code == 422
    html = text(response)
    assert 'class="field-errors"' in html and message in html
    assert ImportJob.objects.count() == 0
    assert stored_files() == []


def test_a_latin1_file_is_read_and_says_so(
    manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client, job = uploaded(manager, "Nome;Cidade\nJoão;São Paulo\n".encode("cp1252"))
    page = text(client.get(f"{IMPORTS}{job.pk}/"))
    assert "João" in page and "São Paulo" in page
    assert "Windows-1252" in page  # the note
    start(client, job, django_capture_on_commit_callbacks, col_0="name", col_1="city")
    assert Party.objects.get().name == "João"


def test_a_mapping_the_engine_refuses_is_shown_and_nothing_starts(
    manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client, job = uploaded(manager)
    response = start(client, job, django_capture_on_commit_callbacks, col_0="name", col_4="name")
    assert response.status_code == 422
    html = text(response)
    assert 'role="alert"' in html and "name" in html
    # the choice made is kept on screen
    assert html.count('<option value="name" selected>') == 2
    job.refresh_from_db()
    assert job.status == "pending" and not job.options.get("queued")
    assert Party.objects.count() == 0


def test_a_marketer_is_told_to_skip_existing_customers(
    marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert '<option value="skip" selected>' in text(client_for(marketer).get(IMPORTS))
    client = client_for(marketer)
    refused = upload(client, PARTIES_CSV, on_match="update")  # as another role would send it
    assert refused.status_code == 422
    assert "skip" in text(refused) or "Pular" in text(refused)
    assert not ImportJob.objects.exists()
    client, job = uploaded(marketer, on_match="skip")
    start(client, job, django_capture_on_commit_callbacks, **GUESS, on_match="skip")
    job.refresh_from_db()
    assert (job.status, job.on_match, job.created) == ("done", "skip", 3)


def test_a_job_whose_file_is_gone_says_so(manager: Any) -> None:
    client, job = uploaded(manager)
    Path(job.file.path).unlink()
    page = client.get(f"{IMPORTS}{job.pk}/")
    assert page.status_code == 422 and 'role="alert"' in text(page)
    assert "Iniciar a importação" not in text(page)


def test_the_same_file_twice_creates_nothing_the_second_time(
    manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for _round in range(2):
        client, job = uploaded(manager)
        start(client, job, django_capture_on_commit_callbacks, **GUESS)
    first, second = ImportJob.objects.order_by("id")
    assert first.created == 3
    assert (second.created, second.updated, second.status) == (0, 0, "done")
    assert second.skipped == 4  # every readable row: already there
    assert Party.objects.count() == 3


def test_an_xlsx_file_imports(manager: Any, django_capture_on_commit_callbacks: Any) -> None:
    content = xlsx(
        ["Nome", "CPF", "Celular"],
        ["Ana Lima", "529.982.247-25", 11987654321],
        ["Bia Reis", None, "(11) 3333-4444"],
    )
    client, job = uploaded(manager, content, name="planilha.xlsx")
    page = text(client.get(f"{IMPORTS}{job.pk}/"))
    assert "Ana Lima" in page and "11987654321" in page  # a number, shown without ".0"
    columns = {"col_0": "name", "col_1": "tax_id", "col_2": "phone"}
    start(client, job, django_capture_on_commit_callbacks, **columns)
    job.refresh_from_db()
    assert (job.status, job.created, job.rejected) == ("done", 2, 0)
    assert Party.objects.get(name="Ana Lima").tax_id == "52998224725"


def test_interactions_need_their_columns_before_they_start(
    manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client, job = uploaded(manager)  # customers first, with their e-mails
    start(client, job, django_capture_on_commit_callbacks, **GUESS)
    content = (
        "E-mail;Canal;Direção;Data;Assunto\n"
        "joao@example.com;email;in;2026-03-01 10:00;Segunda via\n"
        "maria@exemplo.com.br;phone;out;2026-03-02 11:30;Retorno\n"
    ).encode()
    response = upload(client, content, name="contatos.csv", kind="interactions")
    assert response.status_code == 302
    job = ImportJob.objects.get(kind="interactions")
    start(
        client,
        job,
        django_capture_on_commit_callbacks,
        col_0="party_email",
        col_1="channel",
        col_2="direction",
        col_3="occurred_at",
        col_4="subject",
    )
    job.refresh_from_db()
    assert (job.status, job.created, job.rejected) == ("done", 2, 0)
    assert Interaction.objects.filter(subject="Retorno").exists()


def test_an_agent_may_not_import(agent: Any, manager: Any) -> None:
    staff, job = uploaded(manager)

    client = client_for(agent)
    assert client.get(IMPORTS).status_code == 403
    assert upload(client, PARTIES_CSV).status_code == 403
    assert client.get(f"{IMPORTS}{job.pk}/").status_code == 403
    assert client.get(f"{IMPORTS}{job.pk}/progress").status_code == 403
    assert client.get(f"{IMPORTS}{job.pk}/rejected.csv").status_code == 403
    assert client.post(f"{IMPORTS}{job.pk}/", {"col_0": "name"}).status_code == 403
    assert ImportJob.objects.count() == 1

    assert 'href="/data/imports/"' not in text(client.get("/"))
    assert 'href="/data/imports/"' in text(staff.get("/"))


def test_unknown_jobs_and_missing_rejections_are_404(manager: Any) -> None:
    client, job = uploaded(manager)
    assert client.get(f"{IMPORTS}999/").status_code == 404
    assert client.get(f"{IMPORTS}{job.pk}/rejected.csv").status_code == 404


def test_the_screens_speak_english_too(manager: Any) -> None:
    client = client_for(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = text(client.get(IMPORTS))
    assert "Recent imports" in html and "Read the file" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    html = text(client.get(IMPORTS))
    assert "Importações recentes" in html and "Ler o arquivo" in html

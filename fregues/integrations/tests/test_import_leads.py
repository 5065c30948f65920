"""Leads from a file: `fregues import leads FILE`, the import screen and ``POST /imports`` with
``kind=leads`` — Portuguese headers, the API's rules per row, rejected rows with their reason,
and a second run that changes nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from fregues.integrations.models import ImportJob
from fregues.integrations.tests.test_import_ui import client_for, start, xlsx
from fregues.sales.models import Lead
from fregues.sales.services.leads import lead_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


LEADS = (
    "Código;Nome;E-mail;Telefone;Empresa;Cargo;Origem;Interesse;Mensagem;Valor estimado;Moeda\n"
    "L1;Maria Souza;Maria@Example.com;(11) 98765-4321;Padaria Boa;Sócia;Feira 2026;Fornos;"
    "Quer visita;25.000,00;BRL\n"
    "L2;João Lima;joao@example.com;;;;Feira 2026;;;;\n"
    "L3;Sem Contato;;;;;;;;;\n"
    "L4;Valor Ruim;v@example.com;;;;;;;abc;XYZ\n"
    "L1;Maria Souza;maria@example.com;;;;;;;;\n"
)


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_fair_list_imports_with_its_portuguese_headers(tmp_path: Path) -> None:
    errors = tmp_path / "rejected.csv"
    summary = run("leads", str(write(tmp_path, "feira.csv", LEADS)), "--errors", str(errors))
    assert summary["status"] == "done"
    assert (summary["created"], summary["rejected"], summary["rows"]) == (2, 2, 5)
    assert summary["duplicates_in_file"] == 1
    maria = Lead.objects.get(external_id="L1")
    assert maria.source == "import" and maria.source_detail == "Feira 2026"
    assert maria.email_normalized == "maria@example.com"
    assert maria.phone_normalized == "+5511987654321"
    assert (maria.company, maria.job_title, maria.interest) == ("Padaria Boa", "Sócia", "Fornos")
    assert maria.estimated_amount == Decimal("25000.00") and maria.currency == "BRL"
    assert maria.message == "Quer visita" and maria.status == "new"
    rejected = list(csv.reader(errors.open(encoding="utf-8-sig")))
    assert rejected[0][:3] == ["line", "reason", "Código"]
    reasons = {row[2]: row[1] for row in rejected[1:]}
    assert set(reasons) == {"L3", "L4"}
    assert "email" in reasons["L3"] and "phone" in reasons["L3"]
    assert "estimated_amount" in reasons["L4"] and "currency" in reasons["L4"]


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "feira.csv", LEADS)
    run("leads", str(path))
    before = list(Lead.objects.order_by("pk").values_list("pk", "version", "name"))
    second = run("leads", str(path))
    assert (second["created"], second["updated"], second["rejected"]) == (0, 0, 2)
    assert second["skipped"] == 3  # two known leads, one repeat within the file
    assert list(Lead.objects.order_by("pk").values_list("pk", "version", "name")) == before


def test_a_row_without_a_code_updates_the_open_lead_with_its_email_or_phone(
    tmp_path: Path,
) -> None:
    known = lead_create(
        actor=None, data={"name": "Ana", "email": "ana@example.com", "source": "web_form"}
    ).lead
    closed = lead_create(actor=None, data={"name": "Beto", "phone": "11 3456-7890"}).lead
    Lead.objects.filter(pk=closed.pk).update(status="converted")
    text = "nome,email,telefone,empresa\nAna Lima,ANA@example.com,,Loja da Ana\nBeto,,1134567890,\n"
    summary = run("leads", str(write(tmp_path, "sem-codigo.csv", text)))
    assert (summary["created"], summary["updated"]) == (1, 1)
    known.refresh_from_db()
    assert (known.name, known.company, known.version) == ("Ana Lima", "Loja da Ana", 2)
    assert Lead.objects.filter(phone_normalized="+551134567890").count() == 2  # Beto was closed

    skipped = run(
        "leads",
        str(write(tmp_path, "again.csv", "nome,email\nAna,ana@example.com\n")),
        "--on-match",
        "skip",
    )
    assert (skipped["created"], skipped["updated"], skipped["skipped"]) == (0, 0, 1)
    anyway = run(
        "leads",
        str(write(tmp_path, "new.csv", "nome,email\nAna,ana@example.com\n")),
        "--on-match",
        "create",
    )
    assert anyway["created"] == 1
    assert Lead.objects.filter(email_normalized="ana@example.com").count() == 2


def test_an_xlsx_with_english_headers_and_an_owner(tmp_path: Path, make_user: Any) -> None:
    seller = make_user("sales", username="sofia", email="sofia@example.com")
    path = tmp_path / "leads.xlsx"
    path.write_bytes(
        xlsx(
            ["Lead ID", "Full name", "Email", "Company", "Owner", "Amount", "Currency"],
            ["X1", "Carla Dias", "carla@example.com", "Dias & Filhos", "SOFIA", 1200.5, "EUR"],
            ["X2", "Davi", "davi@example.com", "", "nobody-here", "", ""],
        )
    )
    summary = run("leads", str(path))
    assert (summary["created"], summary["rejected"]) == (1, 1)
    carla = Lead.objects.get(external_id="X1")
    assert carla.owner == seller and carla.estimated_amount == Decimal("1200.50")
    assert carla.currency == "EUR"


def test_the_import_screen_offers_leads_and_runs_them(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user("relationship_manager")
    client = client_for(manager)
    page = client.get("/data/imports/?kind=leads").content.decode()
    assert 'value="leads" id="id_kind_2" required checked' in page
    data = {"kind": "leads", "on_match": "update", "source": "rdstation"}
    data["file"] = SimpleUploadedFile("feira.csv", LEADS.encode())  # type: ignore[assignment]
    response = client.post("/data/imports/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.get()
    assert job.kind == "leads" and job.mapping["Nome"] == "name"
    mapping_page = client.get(response["Location"]).content.decode()
    assert 'id="id_on_match"' in mapping_page and "e-mail" in mapping_page  # the hint for leads
    header = LEADS.splitlines()[0].split(";")
    columns = {f"col_{i}": job.mapping.get(name, "") for i, name in enumerate(header)}
    start(client, job, django_capture_on_commit_callbacks, **columns)
    job.refresh_from_db()
    assert job.status == "done" and (job.created, job.rejected) == (2, 2)
    assert Lead.objects.get(external_id="L2").source_detail == "Feira 2026"


def test_the_api_takes_a_file_of_leads(
    api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.upload(
            "/imports",
            {"kind": "leads", "file": SimpleUploadedFile("leads.csv", LEADS.encode())},
        )
    assert response.status_code == 202, response.json()
    job = api.get(f"/imports/{response.json()['id']}").json()
    assert job["kind"] == "leads" and job["status"] == "done"
    assert (job["created"], job["rejected"]) == (2, 2)


def test_a_marketer_imports_new_leads_but_may_not_update_them(
    api_as: Any, django_capture_on_commit_callbacks: Any, unchanged: Any
) -> None:
    api = api_as("marketing")
    with unchanged():
        refused = api.upload(
            "/imports",
            {
                "kind": "leads",
                "on_match": "update",
                "file": SimpleUploadedFile("l.csv", LEADS.encode()),
            },
        )
    assert refused.status_code == 422 and "on_match" in refused.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        ok = api.upload(
            "/imports",
            {
                "kind": "leads",
                "on_match": "skip",
                "file": SimpleUploadedFile("l.csv", LEADS.encode()),
            },
        )
    assert ok.status_code == 202
    assert Lead.objects.count() == 2
    agent = api_as("agent")
    no_import = agent.upload(
        "/imports", {"kind": "leads", "file": SimpleUploadedFile("l.csv", LEADS.encode())}
    )
    assert no_import.status_code == 403

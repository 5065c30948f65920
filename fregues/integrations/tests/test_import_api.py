"""The imports API: multipart upload, start, counters, preview, mapping, rejected rows, errors.

Background tasks run at once in the tests (root conftest), but only when a transaction
commits: ``django_capture_on_commit_callbacks(execute=True)`` around a start lets it run.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fregues.integrations.models import ImportJob
from fregues.integrations.tests.test_import_ui import stored_files, xlsx
from fregues.parties.models import Party

pytestmark = pytest.mark.django_db

CSV = (
    "Nome,E-mail,Código,Obs\n"
    "João da Silva,joao@example.com,C1,vip\n"
    "Maria Souza,maria@exemplo.com.br,C2,\n"
    ",ninguem@example.com,C3,\n"
    "Maria Souza,maria@exemplo.com.br,C2,\n"
).encode()


def send(api: Any, content: bytes = CSV, name: str = "clientes.csv", **fields: Any) -> Any:
    data = {"kind": "parties", "source": "erp", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return api.upload("/imports", data)


def test_upload_starts_at_once_and_the_job_reports_its_counters(
    manager_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(manager_api)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["kind"] == "parties" and body["queued"] is True
    assert body["mapping"] == {"Nome": "name", "E-mail": "email", "Código": "external_id"}
    assert body["filename"] == "clientes.csv" and body["source"] == "erp"
    assert body["created_by"] == manager_api.user.username

    job = manager_api.get(f"/imports/{body['id']}").json()
    assert job["status"] == "done" and job["percent"] == 100
    assert (job["created"], job["updated"], job["rejected"]) == (2, 0, 1)
    assert job["duplicates"] == 1 and job["skipped"] == 1
    assert job["rows_done"] == job["rows_total"] == 4
    assert job["finished_at"] and job["rows_per_second"] > 0
    assert job["rejected_url"] == f"/api/v1/imports/{body['id']}/rejected.csv"

    download = manager_api.get(job["rejected_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["line", "reason", "Nome", "E-mail", "Código", "Obs"]
    assert rows[1][0] == "4" and rows[1][1] and rows[1][3] == "ninguem@example.com"

    listed = manager_api.get("/imports").json()
    assert [j["id"] for j in listed] == [body["id"]]


def test_look_first_then_correct_the_mapping_then_start(
    manager_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = send(manager_api, start="false")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "pending" and response.json()["queued"] is False

    seen = manager_api.get(f"/imports/{job_id}", {"preview": "true", "rows": 2}).json()
    preview = seen["preview"]
    assert preview["header"] == ["Nome", "E-mail", "Código", "Obs"]
    assert [r["line"] for r in preview["rows"]] == [2, 3]
    assert preview["rows"][0]["cells"][0] == "João da Silva"
    assert {"name": "tags", "label": "Tags"} in preview["fields"]
    assert manager_api.get(f"/imports/{job_id}").json()["preview"] is None

    mapping = {"Nome": "name", "E-mail": "", "Código": "external_id", "Obs": "tags"}
    changed = manager_api.put(f"/imports/{job_id}/mapping", {"mapping": mapping})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["mapping"] == {"Nome": "name", "Código": "external_id", "Obs": "tags"}
    assert Party.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        started = manager_api.post(f"/imports/{job_id}/start")
    assert started.status_code == 202
    job = manager_api.get(f"/imports/{job_id}").json()
    assert job["status"] == "done" and job["created"] == 2
    joao = Party.objects.get(name="João da Silva")
    assert list(joao.tags.values_list("name", flat=True)) == ["vip"]
    assert not joao.contact_points.filter(kind="email").exists()  # the column was left out

    # once started, the mapping is settled; starting again runs nothing more
    late = manager_api.put(f"/imports/{job_id}/mapping", {"mapping": mapping})
    assert late.status_code == 422 and late.json()["code"] == "import_started"
    with django_capture_on_commit_callbacks(execute=True):
        again = manager_api.post(f"/imports/{job_id}/start")
    assert again.status_code == 202 and again.json()["created"] == 2


def test_a_mapping_sent_with_the_file_is_laid_over_the_guess(
    manager_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mapping = json.dumps({"Obs": "tags", "E-mail": ""})
    response = send(manager_api, mapping=mapping, start="false")
    assert response.status_code == 202, response.json()
    assert response.json()["mapping"] == {"Nome": "name", "Código": "external_id", "Obs": "tags"}


@pytest.mark.parametrize(
    ("mapping", "where"),
    [
        ("not json", "mapping"),
        ('["Nome"]', "mapping"),
        ('{"Nome": "nickname"}', "mapping"),
        ('{"Nome": "name", "Obs": "name"}', "mapping"),
        ('{"Nowhere": "name"}', "mapping"),
    ],
)
def test_a_wrong_mapping_is_refused_and_nothing_is_kept(
    manager_api: Any, mapping: str, where: str
) -> None:
    response = send(manager_api, mapping=mapping)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_mapping" and where in body["errors"]
    assert ImportJob.objects.count() == 0 and stored_files() == []


def test_a_wrong_mapping_put_is_refused(manager_api: Any) -> None:
    job_id = send(manager_api, start="false").json()["id"]
    response = manager_api.put(f"/imports/{job_id}/mapping", {"mapping": {"Nome": "nickname"}})
    assert response.status_code == 422 and response.json()["code"] == "invalid_mapping"
    assert ImportJob.objects.get().mapping == {
        "Nome": "name",
        "E-mail": "email",
        "Código": "external_id",
    }


@pytest.mark.parametrize(
    ("content", "fields", "message"),
    [
        (b"\x00\x01\x02binary\x00" * 30, {}, "CSV"),
        ("Nome;Cidade\nJoão;São Paulo\n".encode("cp1252"), {"encoding": "utf-8"}, "utf-8"),
        (b"PK\x03\x04 not a workbook", {}, "XLSX"),
        (b"Nome;Nome\nA;B\n", {}, "Nome"),
    ],
    ids=["binary", "wrong-encoding", "broken-xlsx", "twin-columns"],
)
def test_a_bad_file_is_a_422_bad_file_and_leaves_nothing(
    manager_api: Any, content: bytes, fields: dict[str, str], message: str
) -> None:
    response = send(manager_api, content, **fields)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "bad_file"
    assert message in body["message"] and body["errors"]["file"] == [body["message"]]
    assert ImportJob.objects.count() == 0 and stored_files() == []


def test_the_options_are_checked(manager_api: Any) -> None:
    wrong = send(manager_api, kind="invoices", on_match="merge")
    assert wrong.status_code == 422
    assert {"kind", "on_match"} <= set(wrong.json()["errors"])
    missing = manager_api.upload("/imports", {"kind": "parties"})
    assert missing.status_code == 422
    assert [name.split(".")[-1] for name in missing.json()["errors"]] == ["file"]
    assert ImportJob.objects.count() == 0


def test_the_same_file_twice_creates_nothing_the_second_time(
    manager_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ids = []
    for _round in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            ids.append(send(manager_api).json()["id"])
    first, second = (manager_api.get(f"/imports/{i}").json() for i in ids)
    assert first["created"] == 2
    assert (second["created"], second["updated"], second["status"]) == (0, 0, "done")
    assert second["skipped"] == 3 and second["rejected"] == 1
    assert first["sha256"] == second["sha256"]
    assert Party.objects.count() == 2


def test_an_xlsx_file_imports(manager_api: Any, django_capture_on_commit_callbacks: Any) -> None:
    content = xlsx(
        ["Nome", "Telefone", "Nascimento"],
        ["Ana Lima", 11987654321, "1990-04-02"],
        ["Bia Reis", "(21) 3333-4444", None],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = send(manager_api, content, name="planilha.xlsx")
    assert response.status_code == 202, response.json()
    assert response.json()["mapping"] == {
        "Nome": "name",
        "Telefone": "phone",
        "Nascimento": "birth_date",
    }
    job = manager_api.get(f"/imports/{response.json()['id']}").json()
    assert (job["status"], job["created"], job["rejected"]) == ("done", 2, 0)
    ana = Party.objects.get(name="Ana Lima")
    assert str(ana.birth_date) == "1990-04-02"
    assert ana.contact_points.get(kind="phone").normalized == "+5511987654321"


def test_roles_without_data_import_get_403(api: Any, manager_api: Any) -> None:
    job_id = send(manager_api, start="false").json()["id"]
    assert send(api).status_code == 403  # an agent
    assert api.get("/imports").status_code == 403
    assert api.get(f"/imports/{job_id}").json()["code"] == "forbidden"
    assert api.put(f"/imports/{job_id}/mapping", {"mapping": {"Nome": "name"}}).status_code == 403
    assert api.post(f"/imports/{job_id}/start").status_code == 403
    assert api.get(f"/imports/{job_id}/rejected.csv").status_code == 403
    assert ImportJob.objects.count() == 1


def test_anonymous_is_401_and_unknown_is_404(anonymous_api: Any, manager_api: Any) -> None:
    assert anonymous_api.get("/imports").status_code == 401
    assert manager_api.get("/imports/999").status_code == 404
    assert manager_api.post("/imports/999/start").json()["code"] == "not_found"
    job_id = send(manager_api, start="false").json()["id"]
    missing = manager_api.get(f"/imports/{job_id}/rejected.csv")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_endpoints_are_documented(manager_api: Any) -> None:
    paths = manager_api.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/imports"])
    assert "get" in paths["/api/v1/imports/{job_id}"]
    assert "put" in paths["/api/v1/imports/{job_id}/mapping"]
    assert "post" in paths["/api/v1/imports/{job_id}/start"]
    assert (
        "text/csv"
        in paths["/api/v1/imports/{job_id}/rejected.csv"]["get"]["responses"]["200"]["content"]
    )
    upload = paths["/api/v1/imports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload

"""`fregues import`: files as people really have them, and files that are broken."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from fregues.core.models import AuditEntry
from fregues.integrations.models import ImportJob
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


CUSTOMERS = (
    "Nome;E-mail;Telefone;CPF;Cidade;Código\n"
    "João da Silva;Joao.Silva@Example.com;(11) 98765-4321;529.982.247-25;São Paulo;C1\n"
    "Maria Souza;maria@exemplo.com.br;11 3456-7890;;Campinas;C2\n"
    "Maria Souza;maria@exemplo.com.br;+55 11 99999-1111;;Campinas;C2\n"
    "Sem E-mail;nao-e-email;123;;;C3\n"
)


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_brazilian_spreadsheet_imports_with_its_portuguese_headers(tmp_path: Path) -> None:
    errors = tmp_path / "rejected.csv"
    summary = run("parties", str(write(tmp_path, "c.csv", CUSTOMERS)), "--errors", str(errors))
    assert summary["status"] == "done"
    assert (summary["created"], summary["rejected"], summary["rows"]) == (2, 1, 4)
    assert summary["duplicates_in_file"] == 1
    maria = Party.objects.get(name="Maria Souza")
    assert maria.contact_points.filter(kind="phone").count() == 2
    rejected = list(csv.reader(errors.open(encoding="utf-8-sig")))
    assert rejected[0][:3] == ["line", "reason", "Nome"]
    assert rejected[1][0] == "5" and "email" in rejected[1][1] and "phone" in rejected[1][1]
    assert rejected[1][2:] == ["Sem E-mail", "nao-e-email", "123", "", "", "C3"]


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", CUSTOMERS)
    run("parties", str(path))
    before = (Party.objects.count(), ContactPoint.objects.count(), AuditEntry.objects.count())
    second = run("parties", str(path))
    assert (second["created"], second["updated"]) == (0, 0)
    assert second["skipped"] == 3 and second["rejected"] == 1
    after = (Party.objects.count(), ContactPoint.objects.count(), AuditEntry.objects.count() - 1)
    assert after == before  # the one new audit entry is the second job's own record


def test_map_overrides_the_guess_and_unknown_fields_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "Cliente,Contato,Obs\nAna,ana@exemplo.com,vip\n")
    summary = run("parties", str(path), "--map", "Contato=email", "--map", "Obs=tags")
    assert summary["created"] == 1
    party = Party.objects.get()
    assert party.contact_points.get().normalized == "ana@exemplo.com"
    assert list(party.tags.values_list("name", flat=True)) == ["vip"]
    with pytest.raises(CommandError, match="'shoe_size' is not a field"):
        run("parties", str(path), "--map", "Obs=shoe_size")
    with pytest.raises(CommandError, match="no column 'Nope'"):
        run("parties", str(path), "--map", "Nope=email")


def test_xlsx_with_numbers_typed_as_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Nome", "Celular", "E-mail"])
    sheet.append(["Pedro Alves", 11987650000, "pedro@exemplo.com"])
    sheet.append([None, None, None])
    path = tmp_path / "c.xlsx"
    book.save(path)
    summary = run("parties", str(path))
    assert summary["created"] == 1
    assert Party.objects.get().contact_points.get(kind="phone").normalized == "+5511987650000"


def test_a_latin1_file_is_read_as_windows_1252_and_said_so(tmp_path: Path) -> None:
    path = write(tmp_path, "l.csv", "Nome;Cidade\nJosé Conceição;São Paulo\n", "cp1252")
    err = io.StringIO()
    call_command("import", "parties", str(path), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert Party.objects.get().name == "José Conceição"
    assert "Windows-1252" in err.getvalue()
    ImportJob.objects.all().delete()
    with pytest.raises(CommandError, match="not utf-8: line 2"):
        run("parties", str(path), "--encoding", "utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\x00", "binary data"),
        (b"", "empty"),
        (b"\n\nNome\nAna\n", "first line is empty"),
        (b"Nome,Nome\nA,B\n", "Two columns"),
        (b"PK\x03\x04not really a zip", "damaged"),
    ],
)
def test_malformed_files_get_a_sentence_and_leave_nothing(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("parties", str(path))
    assert not ImportJob.objects.exists() and not Party.objects.exists()
    assert not list(Path(tmp_path).glob("**/imports/**/*.csv"))


def test_a_missing_file_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file at"):
        run("parties", str(tmp_path / "nope.csv"))


def test_a_two_gigabyte_file_is_refused_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: takes no disk
        handle.write(b"Nome\n")
        handle.truncate(2 * 1024**3)
    with pytest.raises(CommandError, match=r"2\.0 GB; the limit is 1\.5 GB"):
        run("parties", str(path))
    assert not ImportJob.objects.exists()


def test_ragged_rows_and_a_never_closed_quote_reject_rows_never_half_of_one(
    tmp_path: Path,
) -> None:
    text = (
        "Nome,E-mail,Cidade\n"
        "Ana,ana@exemplo.com,Lisboa\n"
        "Rui,rui@exemplo.com\n"  # one field short
        "Eva,eva@exemplo.com,Porto,extra\n"  # one too many
        "Bia,bia@exemplo.com,Braga,,\n"  # trailing empty separators are fine
        'Lia,"lia@exemplo.com,Faro\n'  # a quote never closed eats the rest
        "Zé,ze@exemplo.com,Viseu\n"
    )
    errors = tmp_path / "r.csv"
    summary = run("parties", str(write(tmp_path, "r.csv", text)), "--errors", str(errors))
    assert sorted(Party.objects.values_list("name", flat=True)) == ["Ana", "Bia"]
    reasons = {row[0]: row[1] for row in list(csv.reader(errors.open(encoding="utf-8-sig")))[1:]}
    assert "2 fields" in reasons["3"] and "4 fields" in reasons["4"]
    assert any("quote" in r or "fields" in r for line, r in reasons.items() if int(line) >= 6)
    assert summary["rejected"] == len(reasons)


def test_interactions_import_by_customer_code_email_or_phone_and_twice_is_once(
    tmp_path: Path,
) -> None:
    run("parties", str(write(tmp_path, "c.csv", CUSTOMERS)), "--source", "erp")
    text = (
        "codigo cliente,email,canal,direção,data,assunto,mensagem\n"
        "C1,,phone,in,2024-05-02T10:00:00-03:00,Orçamento,Pediu orçamento\n"
        ",maria@exemplo.com.br,email,out,02/05/2024 11:30,Proposta,Segue a proposta\n"
        "C9,,phone,in,2024-05-02T10:00:00-03:00,Quem?,\n"
        "C1,,pombo,in,2024-05-02T10:00:00-03:00,Canal?,\n"
    )
    path = write(tmp_path, "i.csv", text)
    errors = tmp_path / "ie.csv"
    summary = run("interactions", str(path), "--source", "erp", "--errors", str(errors))
    assert (summary["created"], summary["rejected"]) == (2, 2)
    joao = Party.objects.get(name="João da Silva")
    contact = Interaction.objects.get(party=joao)
    assert (contact.channel, contact.direction, contact.subject) == ("phone", "in", "Orçamento")
    maria = Interaction.objects.get(party__name="Maria Souza")
    assert maria.occurred_at.hour in (11, 14)  # local time, stored in UTC
    reasons = errors.read_text(encoding="utf-8-sig")
    assert "C9" in reasons and "pombo" in reasons
    again = run("interactions", str(path), "--source", "erp")
    assert (again["created"], again["skipped"]) == (0, 2)
    assert Interaction.objects.count() == 2
    entry = AuditEntry.objects.get(entity_type="interactions.import")
    assert entry.changes["import"]["count"] == 2 and entry.changes["import"]["customers"] == 2


def test_interactions_need_channel_direction_and_date_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "i.csv", "codigo cliente,assunto\nC1,Olá\n")
    with pytest.raises(CommandError, match="channel, direction, occurred_at"):
        run("interactions", str(path))


def test_import_as_a_user_is_audited_and_checked(tmp_path: Path, make_user: Any) -> None:
    make_user("agent", username="ag")
    manager = make_user("relationship_manager", username="rm")
    path = write(tmp_path, "c.csv", CUSTOMERS)
    with pytest.raises(CommandError, match=r"role|permission"):
        run("parties", str(path), "--as", "ag")
    run("parties", str(path), "--as", "rm")
    assert AuditEntry.objects.filter(action="create", actor=manager).count() >= 2


def test_fields_lists_what_can_be_mapped() -> None:
    out = io.StringIO()
    call_command("import", "parties", "-", "--fields", stdout=out)
    assert "tax_id" in out.getvalue() and "cpf" in out.getvalue()


@pytest.mark.skipif(
    not os.environ.get("FREGUES_DATABASE_URL", "").startswith("postgres"),
    reason="forked workers cannot see the in-memory SQLite test database",
)
# serialized_rollback like the other transactional tests: a plain flush would re-create the
# content types and break the next test that restores the serialized database
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_large_files_are_validated_by_worker_processes_with_the_same_result(
    tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_WORKERS = 2
    settings.IMPORT_PARALLEL_MIN_ROWS = 10
    lines = ["Nome,E-mail,Telefone"]
    lines += [f"Pessoa {i},p{i}@exemplo.com,(11) 9{8000 + i}-{1000 + i}" for i in range(40)]
    lines += ["Sem telefone válido,ok@exemplo.com,123"]
    summary = run("parties", str(write(tmp_path, "big.csv", "\n".join(lines) + "\n")))
    assert (summary["created"], summary["rejected"]) == (40, 1)
    assert ContactPoint.objects.filter(kind="phone").count() == 40


def test_contacts_exported_and_imported_back_are_not_doubled(tmp_path: Path, admin: Any) -> None:
    from fregues.interactions.services import interaction_record

    run("parties", str(write(tmp_path, "c.csv", CUSTOMERS)), "--source", "erp")
    joao = Party.objects.get(name="João da Silva")
    interaction_record(
        actor=admin,
        party_id=joao.pk,
        data={"channel": "phone", "direction": "in", "subject": "Dúvida", "body": "Ligou"},
    )
    exported = tmp_path / "i.csv"
    call_command("export", "interactions", "-o", str(exported), stderr=io.StringIO())
    summary = run("interactions", str(exported), "--source", "erp")
    assert (summary["created"], summary["skipped"]) == (0, 1)
    assert Interaction.objects.count() == 1


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", CUSTOMERS)
    errors = tmp_path / "r.csv"
    summary = run("parties", str(path), "--dry-run", "--errors", str(errors))
    assert (summary["created"], summary["rejected"]) == (2, 1)
    assert "nao-e-email" in errors.read_text(encoding="utf-8-sig")
    assert not Party.objects.exists() and not ImportJob.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not [p for p in Path(tmp_path).glob("**/imports/**/*") if p.is_file()]
    assert run("parties", str(path))["created"] == 2  # the real run still creates them

"""Consents from a file: `fregues import consents FILE` and the import screen — customers named
by code, tax id, e-mail or Freguês id; rejected rows with their reason; a second run that
changes nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from fregues.core.models import AuditEntry
from fregues.integrations.models import ImportJob
from fregues.integrations.tests.test_import_ui import client_for, start
from fregues.parties.models import ConsentRecord, ExternalId, Party
from fregues.parties.selectors import consent_state
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.service.services.sending import send_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def people() -> dict[str, Party]:
    ana = PartyFactory(name="Ana Souza", country="BR", tax_id="52998224725", tax_id_kind="cpf")
    ContactPointFactory(party=ana, kind="email", value="ana@exemplo.com.br")
    bia = PartyFactory(name="Bia Lima")
    ContactPointFactory(party=bia, kind="email", value="Bia.Lima@Exemplo.com")
    caio = PartyFactory(name="Caio Reis")
    ExternalId.objects.create(party=caio, source="loja", code="C-77")
    dora = PartyFactory(name="Dora Melo")
    return {"ana": ana, "bia": bia, "caio": caio, "dora": dora}


def consents_file(people: dict[str, Party]) -> str:
    dora = people["dora"].pk
    return (
        "Cliente;CPF;E-mail;Fregues id;Finalidade;Canal;Consentiu;Data;Versão do texto;ID\n"
        ";529.982.247-25;;;marketing_email;email;sim;2026-01-10 09:30;v1;R1\n"
        ";;BIA.LIMA@exemplo.com;;marketing_email;;não;15/02/2026;v2;R2\n"
        f"C-77;;;;profiling;;yes;2026-03-01;;R3\n"
        f";;;{dora};marketing_messages;sms;sim;;v1;\n"
        ";;nobody@nowhere.com;;marketing_email;email;sim;2026-01-01;;R5\n"
        ";;ana@exemplo.com.br;;telepathy;;sim;2026-01-01;;R6\n"
        ";;ana@exemplo.com.br;;marketing_email;fax;talvez;2030-01-01;;R7\n"
        ";;;;marketing_email;email;sim;2026-01-01;;R8\n"
        ";529.982.247-25;;;marketing_email;email;sim;2026-01-10 09:30;v1;R1\n"
    )


def test_a_consent_file_lands_in_the_ledger_with_reasons_for_the_rest(
    tmp_path: Path, people: dict[str, Party]
) -> None:
    errors = tmp_path / "rejected.csv"
    path = write(tmp_path, "optins.csv", consents_file(people))
    summary = run("consents", str(path), "--source", "loja", "--errors", str(errors))
    assert summary["status"] == "done"
    assert (summary["created"], summary["rejected"], summary["duplicates_in_file"]) == (4, 4, 1)
    ana, bia, caio, dora = (people[k] for k in ("ana", "bia", "caio", "dora"))
    record = ConsentRecord.objects.get(party=ana)
    assert (record.purpose.code, record.channel, record.granted) == (
        "marketing_email",
        "email",
        True,
    )
    assert (record.source, record.external_id, record.text_version) == ("import", "R1", "v1")
    assert record.occurred_at.date().isoformat() == "2026-01-10"
    assert ConsentRecord.objects.get(party=bia).granted is False
    assert ConsentRecord.objects.get(party=caio).purpose.code == "profiling"
    derived = ConsentRecord.objects.get(party=dora)
    assert derived.channel == "sms" and derived.external_id.startswith("row:")
    # the state every sender reads follows the ledger
    assert send_verdict(
        party_id=ana.pk, purpose="marketing_email", channel="email", marketing=True
    ).allowed
    states = {(s.purpose, s.channel): s for s in consent_state(party_id=bia.pk)}
    assert states[("marketing_email", "")].granted is False
    assert AuditEntry.objects.filter(entity_type="parties.consentrecord").count() == 4
    reasons = {
        row["line"]: row["reason"] for row in csv.DictReader(errors.open(encoding="utf-8-sig"))
    }
    assert "no customer matches" in reasons["6"]
    assert "unknown purpose 'telepathy'" in reasons["7"]
    assert "granted" in reasons["8"] and "future" in reasons["8"]
    assert "Say who" in reasons["9"]


def test_loading_the_same_file_twice_changes_nothing(
    tmp_path: Path, people: dict[str, Party]
) -> None:
    path = write(tmp_path, "optins.csv", consents_file(people))
    run("consents", str(path), "--source", "loja")
    records, audits = ConsentRecord.objects.count(), AuditEntry.objects.count()
    second = run("consents", str(path), "--source", "loja")
    assert (second["created"], second["skipped"], second["rejected"]) == (0, 5, 4)
    assert ConsentRecord.objects.count() == records
    # only the import job's own audit entry is new
    assert AuditEntry.objects.count() == audits + 1


def test_a_channel_the_purpose_does_not_cover_is_refused(
    tmp_path: Path, people: dict[str, Party]
) -> None:
    text = "e-mail,finalidade,canal,consentiu\nana@exemplo.com.br,marketing_email,sms,sim\n"
    errors = tmp_path / "rejected.csv"
    summary = run("consents", str(write(tmp_path, "c.csv", text)), "--errors", str(errors))
    assert summary["rejected"] == 1 and ConsentRecord.objects.count() == 0
    assert "does not cover the channel 'sms'" in errors.read_text(encoding="utf-8-sig")


def test_the_import_screen_offers_consents_and_runs_them(
    make_user: Any, people: dict[str, Party], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(make_user("marketing"))
    page = client.get("/data/imports/?kind=consents").content.decode()
    assert 'value="consents"' in page
    text = "e-mail;finalidade;canal;consentiu;data\nana@exemplo.com.br;marketing_email;email;sim;2026-02-01\n"
    data = {"kind": "consents", "on_match": "update", "source": ""}
    data["file"] = SimpleUploadedFile("optins.csv", text.encode())  # type: ignore[assignment]
    response = client.post("/data/imports/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.get()
    assert job.kind == "consents" and job.mapping["finalidade"] == "purpose"
    header = text.splitlines()[0].split(";")
    columns = {f"col_{i}": job.mapping.get(name, "") for i, name in enumerate(header)}
    start(client, job, django_capture_on_commit_callbacks, **columns)
    job.refresh_from_db()
    assert job.status == "done" and (job.created, job.rejected) == (1, 0)
    assert ConsentRecord.objects.get().party == people["ana"]


def test_an_agent_may_not_import_consents(tmp_path: Path, make_user: Any) -> None:
    from django.core.management.base import CommandError

    agent = make_user("agent")
    path = write(tmp_path, "c.csv", "e-mail,finalidade,consentiu\na@b.com,marketing_email,sim\n")
    with pytest.raises(CommandError):
        run("consents", str(path), "--as", agent.username)
    assert ConsentRecord.objects.count() == 0

"""The CSV export: the same rows from the CLI, the API and the UI, in columns the importer reads.

What is checked: the header is the importer's field names (an exported file maps back field for
field); each column's content (primary contact points, tags, external id, address, ISO times);
the list filters apply; the roles without ``data.export`` get 403 and marketing gets no bodies;
the HTTP answers stream; and the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fregues.core.errors import Forbidden, Invalid
from fregues.integrations.exporting import (
    BOM,
    INTERACTION_COLUMNS,
    PARTY_COLUMNS,
    export_interactions,
    export_parties,
    party_export,
)
from fregues.integrations.fields import auto_map
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties import services
from fregues.parties.models import Party
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/exports"


def rows_of(data: bytes) -> list[dict[str, str]]:
    """The CSV as dicts; a leading BOM is refused (it would glue itself to the first name)."""
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def body_of(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def joao(admin: Any, manager: Any) -> Party:
    """A customer with everything the export writes: two e-mails and two phones (one primary
    each), tags, two external ids, an address and an owner."""
    return services.party_create(
        actor=admin,
        data={
            "kind": "person",
            "given_name": "João",
            "family_name": "da Silva",
            "tax_id": "529.982.247-25",
            "country": "BR",
            "birth_date": "1980-05-17",
            "owner_id": manager.pk,
        },
        contact_points=[
            {"kind": "email", "value": "joao.silva@example.com"},
            {"kind": "email", "value": "joao@trabalho.com.br"},
            {"kind": "phone", "value": "(11) 98765-4321"},
            {"kind": "phone", "value": "(21) 99876-5432", "is_primary": True},
            {
                "kind": "address",
                "street": "Rua Augusta",
                "number": "1500",
                "complement": "apto 12",
                "district": "Consolação",
                "city": "São Paulo",
                "region": "SP",
                "postal_code": "01304-001",
                "country": "BR",
            },
        ],
        tags=["VIP", "imprensa"],
        external_ids=[{"source": "sap", "code": "900"}, {"source": "erp", "code": "C0001"}],
        lifecycle_stage="client",
    )


@pytest.fixture
def maria(admin: Any) -> Party:
    """A plain organisation: no contact points, no owner."""
    return services.party_create(
        actor=admin,
        data={"kind": "organization", "name": "Padaria Maria, Lda.", "country": "PT"},
    )


def export(actor: Any = None, **filters: Any) -> list[dict[str, str]]:
    out = io.BytesIO()
    export_parties(actor=actor, filters=filters, out=out)
    return rows_of(out.getvalue())


# ---------------------------------------------------------------- the engine: parties


def test_the_party_columns_are_the_importers_field_names(joao: Party) -> None:
    out = io.BytesIO()
    assert export_parties(actor=None, filters={}, out=out) == 1
    header = out.getvalue().decode().splitlines()[0].split(",")
    assert header == list(PARTY_COLUMNS)
    assert auto_map(header, "parties") == {name: name for name in header}


def test_a_party_row_holds_its_primary_contacts_tags_external_id_and_address(
    joao: Party, manager: Any
) -> None:
    (row,) = export()
    assert row == {
        "id": str(joao.pk),
        "external_id": "C0001",  # the bare code, first by source ("erp" < "sap")
        "kind": "person",
        "name": "João da Silva",
        "given_name": "João",
        "family_name": "da Silva",
        "legal_name": "",
        "email": "joao.silva@example.com",
        "phone": joao.contact_points.get(kind="phone", is_primary=True).value,
        "tax_id": joao.tax_id,
        "country": "BR",
        "language": joao.language,
        "birth_date": "1980-05-17",
        "lifecycle_stage": "client",
        "tier": "",
        "preferred_channel": "",
        "owner": manager.username,
        "tags": "VIP;imprensa",
        "street": "Rua Augusta",
        "number": "1500",
        "complement": "apto 12",
        "district": "Consolação",
        "city": "São Paulo",
        "region": "SP",
        "postal_code": "01304-001",
    }
    assert "99876" in row["phone"]  # the primary, not the first entered


def test_an_exported_file_imports_back_as_is(
    joao: Party, maria: Party, tmp_path: Any, capsys: Any
) -> None:
    """The importer reads every column back: the same customers match, nothing is created,
    rejected or changed, and a second export is the same file."""
    import json

    first = tmp_path / "clientes.csv"
    call_command("export", "parties", "-o", str(first), "--source", "erp")
    call_command("import", "parties", str(first), "--source", "erp", "--json", "--no-progress")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rejected"] == 0 and summary["created"] == 0, summary
    again = tmp_path / "again.csv"
    call_command("export", "parties", "-o", str(again), "--source", "erp")
    assert again.read_bytes() == first.read_bytes()


def test_the_external_code_of_a_chosen_source(joao: Party, maria: Party) -> None:
    def codes(source: str) -> list[str]:
        out = io.BytesIO()
        export_parties(actor=None, filters={}, out=out, source=source)
        return [row["external_id"] for row in rows_of(out.getvalue())]

    assert codes("sap") == ["900", ""]
    assert codes("erp") == ["C0001", ""]
    assert codes("crm") == ["", ""]


def test_a_bare_party_has_empty_cells(maria: Party) -> None:
    (row,) = export()
    assert row["name"] == "Padaria Maria, Lda."
    assert row["kind"] == "organization"
    for column in ("external_id", "email", "phone", "owner", "tags", "street", "birth_date"):
        assert row[column] == "", column


def test_the_list_filters_choose_the_rows(joao: Party, maria: Party, manager: Any) -> None:
    def names(**filters: Any) -> list[str]:
        return [row["name"] for row in export(**filters)]

    assert names() == ["João da Silva", "Padaria Maria, Lda."]  # by id
    assert names(q="joao silva") == ["João da Silva"]
    assert names(q="(11) 98765-4321") == ["João da Silva"]
    assert names(kind="organization") == ["Padaria Maria, Lda."]
    assert names(lifecycle_stage="client") == ["João da Silva"]
    assert names(owner_id=manager.pk) == ["João da Silva"]
    assert names(tag="vip") == ["João da Silva"]  # as the list: any case
    assert names(q="ninguém") == []
    assert names(q="", kind=None) == names()  # empty filters are no filters


def test_large_and_small_selections_give_the_same_rows(
    joao: Party, maria: Party, calls: list[Any], manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large selection reads whole tables, a small one probes per party (PostgreSQL): the
    plan changes, the rows do not."""
    from fregues.integrations import exporting

    cases = [
        (export_parties, {"kind": "person"}),
        (export_parties, {"tag": "vip"}),
        (export_parties, {"owner_id": manager.pk}),
        (export_interactions, {"party_id": joao.pk}),
        (export_interactions, {"channel": "email"}),
    ]

    def outputs() -> list[bytes]:
        results = []
        for function, filters in cases:
            out = io.BytesIO()
            function(actor=None, filters=filters, out=out, source="sap")
            results.append(out.getvalue())
        return results

    monkeypatch.setattr(exporting, "LARGE_SELECTION", 10**9)
    small = outputs()
    monkeypatch.setattr(exporting, "LARGE_SELECTION", 0)
    assert outputs() == small
    assert b"900" in small[0] and b"joao.silva@example.com" in small[3]


def test_merged_parties_are_not_exported(joao: Party, maria: Party) -> None:
    Party.objects.filter(pk=maria.pk).update(merged_into=joao)
    assert [row["id"] for row in export()] == [str(joao.pk)]


def test_an_unknown_filter_is_refused_not_ignored() -> None:
    with pytest.raises(Invalid) as caught:
        export(owner="gestor")
    assert "owner" in caught.value.errors


def test_a_party_with_two_tags_matching_the_filter_comes_once(joao: Party) -> None:
    joao.tags.create(name="vip")  # "VIP" and "vip": the list's tag filter ignores case
    assert len(export(tag="VIP")) == 1


def test_the_query_count_does_not_grow_with_the_rows(admin: Any) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_parties(actor=admin, filters={"tag": "VIP"}, out=io.BytesIO())
            export_interactions(actor=admin, filters={}, out=io.BytesIO())
        transaction_control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
        return sum(
            not q["sql"].lstrip().upper().startswith(transaction_control)
            for q in captured.captured_queries
        )

    party = PartyFactory()
    party.tags.create(name="VIP")
    InteractionFactory(party=party)
    few = queries()
    for _ in range(12):
        more = PartyFactory()
        more.tags.add(party.tags.get())
        InteractionFactory(party=more)
    assert queries() == few
    assert few <= 4  # per export: the COPY (or SELECT), and on PostgreSQL a plan estimate


def test_bom_is_for_excel_only_when_asked(joao: Party) -> None:
    plain, excel = io.BytesIO(), io.BytesIO()
    export_parties(actor=None, filters={}, out=plain)
    export_parties(actor=None, filters={}, out=excel, bom=True)
    assert excel.getvalue() == BOM + plain.getvalue()
    assert plain.getvalue().startswith(b"id,external_id,")


def test_a_stream_left_half_read_leaves_the_connection_usable(
    admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client goes away mid-download: the query stops, the connection carries on."""
    from fregues.integrations import exporting

    monkeypatch.setattr(exporting, "CHUNK_BYTES", 1)  # a chunk per row
    monkeypatch.setattr(exporting, "FETCH_ROWS", 1)
    PartyFactory.create_batch(4)
    stream = party_export(actor=admin, filters={})
    chunks = iter(stream)
    next(chunks)  # the header
    next(chunks)  # the first row: the query is running
    stream.close()
    assert Party.objects.count() == 4
    out = io.BytesIO()
    assert export_parties(actor=admin, filters={}, out=out) == 4


def test_roles_without_data_export_cannot_export(agent: Any) -> None:
    with pytest.raises(Forbidden):
        export_parties(actor=agent, filters={}, out=io.BytesIO())
    with pytest.raises(Forbidden):
        export_interactions(actor=agent, filters={}, out=io.BytesIO())


# ---------------------------------------------------------------- the engine: interactions


@pytest.fixture
def calls(joao: Party, maria: Party, agent: Any) -> list[Any]:
    at = datetime.datetime(2026, 3, 10, 14, 5, 30, tzinfo=datetime.UTC)
    return [
        InteractionFactory(
            party=joao,
            channel="phone",
            direction="in",
            occurred_at=at,
            agent=agent,
            subject="Segunda via",
            body="Pediu a segunda via do boleto, enviada.",
            outcome="resolvido",
            duration_seconds=240,
            external_id="call-1",
        ),
        InteractionFactory(
            party=maria,
            channel="email",
            direction="out",
            occurred_at=at + datetime.timedelta(days=2, microseconds=250_000),
            agent=None,
            subject="Proposta",
            body="Segue a proposta.",
            outcome="",
            duration_seconds=None,
            external_id="",
        ),
    ]


def interactions(actor: Any = None, **filters: Any) -> list[dict[str, str]]:
    out = io.BytesIO()
    export_interactions(actor=actor, filters=filters, out=out)
    return rows_of(out.getvalue())


def test_the_interaction_columns_are_the_importers_field_names(calls: list[Any]) -> None:
    out = io.BytesIO()
    assert export_interactions(actor=None, filters={}, out=out) == 2
    header = out.getvalue().decode().splitlines()[0].split(",")
    assert header == list(INTERACTION_COLUMNS)
    assert auto_map(header, "interactions") == {name: name for name in header}


def test_an_interaction_row(calls: list[Any], joao: Party, agent: Any) -> None:
    first, second = interactions()
    assert first == {
        "external_id": "call-1",
        "party_id": str(joao.pk),
        "party_external_id": "C0001",
        "party_email": "joao.silva@example.com",
        "party_phone": joao.contact_points.get(kind="phone", is_primary=True).value,
        "channel": "phone",
        "direction": "in",
        "occurred_at": "2026-03-10T14:05:30+00:00",
        "subject": "Segunda via",
        "body": "Pediu a segunda via do boleto, enviada.",
        "outcome": "resolvido",
        "duration_seconds": "240",
        "agent": agent.username,
    }
    assert second["agent"] == second["duration_seconds"] == second["party_email"] == ""
    moment = datetime.datetime.fromisoformat(second["occurred_at"])
    assert moment == calls[1].occurred_at  # to the microsecond, in UTC


def test_the_interaction_filters(calls: list[Any], joao: Party, agent: Any) -> None:
    def subjects(**filters: Any) -> list[str]:
        return [row["subject"] for row in interactions(**filters)]

    assert subjects() == ["Segunda via", "Proposta"]
    assert subjects(party_id=joao.pk) == ["Segunda via"]
    assert subjects(channel="email") == ["Proposta"]
    assert subjects(direction="in") == ["Segunda via"]
    assert subjects(agent_id=agent.pk) == ["Segunda via"]
    assert subjects(since="2026-03-11") == ["Proposta"]
    assert subjects(until="2026-03-10") == ["Segunda via"]  # a date includes its whole day
    assert subjects(since="2026-03-10", until="2026-03-12") == ["Segunda via", "Proposta"]
    assert subjects(until=calls[1].occurred_at) == ["Segunda via"]  # a moment: before it


def test_a_mangled_date_names_its_filter() -> None:
    with pytest.raises(Invalid) as caught:
        interactions(since="31/02/2026")
    assert list(caught.value.errors) == ["since"]


def test_marketing_gets_no_bodies(calls: list[Any], marketer: Any, manager: Any) -> None:
    assert [row["body"] for row in interactions(marketer)] == ["", ""]
    assert [row["subject"] for row in interactions(marketer)] == ["Segunda via", "Proposta"]
    assert interactions(manager)[0]["body"] == "Pediu a segunda via do boleto, enviada."


# ---------------------------------------------------------------- the API


def test_api_streams_the_parties_csv(joao: Party, maria: Party, manager_api: Any) -> None:
    response = manager_api.get(f"{API}/parties.csv", {"kind": "person"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="fregues-parties-{today}.csv"'
    )
    rows = rows_of(body_of(response))
    assert [row["name"] for row in rows] == ["João da Silva"]


def test_api_takes_the_list_filters_and_the_bom(joao: Party, maria: Party, admin_api: Any) -> None:
    response = admin_api.get(f"{API}/parties.csv", {"q": "padaria", "bom": "true"})
    data = body_of(response)
    assert data.startswith(BOM)
    assert [row["name"] for row in rows_of(data[len(BOM) :])] == ["Padaria Maria, Lda."]


def test_api_streams_the_interactions_csv(calls: list[Any], joao: Party, admin_api: Any) -> None:
    response = admin_api.get(
        f"{API}/interactions.csv", {"party_id": joao.pk, "since": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "fregues-interactions-" in response["Content-Disposition"]
    assert [row["external_id"] for row in rows_of(body_of(response))] == ["call-1"]


def test_api_hides_bodies_from_marketing(calls: list[Any], marketing_api: Any) -> None:
    response = marketing_api.get(f"{API}/interactions.csv")
    assert response.status_code == 200
    assert {row["body"] for row in rows_of(body_of(response))} == {""}


@pytest.mark.parametrize("path", ["parties.csv", "interactions.csv"])
def test_api_refuses_roles_without_data_export(api: Any, path: str) -> None:
    response = api.get(f"{API}/{path}")  # an agent
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("path", ["parties.csv", "interactions.csv"])
def test_api_asks_strangers_to_authenticate(anonymous_api: Any, path: str) -> None:
    assert anonymous_api.get(f"{API}/{path}").status_code == 401


def test_api_answers_422_for_a_bad_date(admin_api: Any) -> None:
    response = admin_api.get(f"{API}/interactions.csv", {"until": "ontem"})
    assert response.status_code == 422
    assert "until" in response.json()["errors"]


def test_the_exports_are_in_the_openapi_document(admin_api: Any) -> None:
    paths = admin_api.get("/openapi.json").json()["paths"]
    for kind in ("parties", "interactions"):
        operation = paths[f"/api/v1/exports/{kind}.csv"]["get"]
        assert "text/csv" in operation["responses"]["200"]["content"]
        assert "403" in operation["responses"]
    parameters = {p["name"] for p in paths["/api/v1/exports/parties.csv"]["get"]["parameters"]}
    assert {"q", "kind", "lifecycle_stage", "owner_id", "tag", "bom"} <= parameters


# ---------------------------------------------------------------- the UI


def test_ui_download_carries_the_list_filters_and_a_bom(
    joao: Party, maria: Party, manager: Any
) -> None:
    url = reverse("integrations:export_parties")
    assert url == "/data/export/parties.csv"
    response = client_for(manager).get(url, {"lifecycle_stage": "client", "cursor": "junk"})
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    data = body_of(response)
    assert data.startswith(BOM)
    assert [row["name"] for row in rows_of(data[len(BOM) :])] == ["João da Silva"]


def test_ui_interactions_download(calls: list[Any], marketer: Any) -> None:
    url = reverse("integrations:export_interactions")
    assert url == "/data/export/interactions.csv"
    response = client_for(marketer).get(url, {"channel": "phone"})
    rows = rows_of(body_of(response)[len(BOM) :])
    assert [(row["external_id"], row["body"]) for row in rows] == [("call-1", "")]
    assert client_for(marketer).get(url, {"since": "amanhã"}).status_code == 400


def test_ui_refuses_roles_without_data_export(agent: Any) -> None:
    client = client_for(agent)
    assert client.get(reverse("integrations:export_parties")).status_code == 403
    assert client.get(reverse("integrations:export_interactions")).status_code == 403


def test_ui_sends_strangers_to_the_login() -> None:
    response = Client().get(reverse("integrations:export_parties"))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"] or "login" in response["Location"]


def test_the_customer_list_shows_the_export_button_with_its_filters(
    joao: Party, manager: Any, agent: Any
) -> None:
    page = client_for(manager).get(
        reverse("parties:list"), {"q": "joão", "kind": "person", "cursor": "abc"}
    )
    html = page.content.decode()
    assert '/data/export/parties.csv?q=jo%C3%A3o&amp;kind=person"' in html  # no cursor
    hidden = client_for(agent).get(reverse("parties:list")).content.decode()
    assert "/data/export/parties.csv" not in hidden


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Export CSV"), ("pt-br", "Exportar CSV"), ("pt-pt", "Exportar CSV")],
)
def test_the_export_button_speaks_the_users_language(
    make_user: Any, language: str, label: str
) -> None:
    user = make_user("relationship_manager", language=language)
    assert label in client_for(user).get(reverse("parties:list")).content.decode()


# ---------------------------------------------------------------- the CLI


def test_cli_writes_the_file_and_a_summary(
    joao: Party, maria: Party, tmp_path: Any, capsys: Any
) -> None:
    target = tmp_path / "clientes.csv"
    call_command("export", "parties", "-o", str(target), "--kind", "organization")
    assert [row["name"] for row in rows_of(target.read_bytes())] == ["Padaria Maria, Lda."]
    summary = capsys.readouterr().err
    assert "1 rows in" in summary and "rows/s" in summary


def test_cli_writes_to_stdout_by_default(joao: Party, capsysbinary: Any) -> None:
    call_command("export", "parties", "--tag", "imprensa")
    captured = capsysbinary.readouterr()
    assert [row["id"] for row in rows_of(captured.out)] == [str(joao.pk)]
    assert b"rows/s" in captured.err and b"rows/s" not in captured.out


def test_cli_owner_by_username_or_id(
    joao: Party, maria: Party, manager: Any, tmp_path: Any
) -> None:
    target = tmp_path / "out.csv"
    for owner in (manager.username, str(manager.pk)):
        call_command("export", "parties", "-o", str(target), "--owner", owner)
        assert [row["name"] for row in rows_of(target.read_bytes())] == ["João da Silva"]
    with pytest.raises(CommandError, match="No user named"):
        call_command("export", "parties", "-o", str(target), "--owner", "ninguem")


def test_cli_interactions_as_a_marketer(calls: list[Any], marketer: Any, tmp_path: Any) -> None:
    target = tmp_path / "interacoes.csv"
    call_command(
        "export",
        "interactions",
        "-o",
        str(target),
        "--as",
        marketer.username,
        "--direction",
        "in",
        "--since",
        "2026-03-10",
        "--until",
        "2026-03-10",
    )
    assert [(row["external_id"], row["body"]) for row in rows_of(target.read_bytes())] == [
        ("call-1", "")
    ]


def test_cli_refuses_a_role_without_data_export(agent: Any, tmp_path: Any) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(CommandError) as caught:
        call_command("export", "parties", "-o", str(target), "--as", agent.username)
    assert isinstance(caught.value.__cause__, Forbidden)
    with pytest.raises(CommandError, match="since"):
        call_command("export", "interactions", "-o", str(target), "--since", "ontem")

"""My requests: a customer opens requests, follows them and replies, in the portal and its API.

Every request is a case of customer service (same protocol, same "one case, not two" rule);
the customer sees only their own (and their organisation's, when staff allow), and never what
staff wrote for themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fregues.core.models import AuditEntry
from fregues.interactions.models import Attachment, Interaction
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import AffiliationFactory, OrganizationFactory, PartyFactory
from fregues.service.models import Case, CaseEvent, CaseType, SatisfactionSurvey
from fregues.service.services import case_open, case_transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def pdf(name: str = "nota-fiscal.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "attachments": Attachment.objects.count(),
        "audit": AuditEntry.objects.exclude(action__startswith="portal.session").count(),
    }


@pytest.fixture
def ana() -> Any:
    return PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza")


@pytest.fixture
def client(ana: Any, portal_client: Callable[..., Client]) -> Client:
    return portal_client(ana)


def open_request(client: Client, **fields: Any) -> Any:
    data = {
        "case_type": "technical-assistance",
        "subject": "Máquina de lavar não liga",
        "description": "Desde ontem não liga.",
        **fields,
    }
    return client.post("/api/v1/portal/requests", data)


def staff_case(agent: Any, party: Any, subject: str = "Geladeira fazendo barulho") -> Case:
    return case_open(
        actor=agent, party_id=party.pk, case_type="technical-assistance", subject=subject
    ).case


# ---------------------------------------------------------------- opening


def test_a_customer_opens_a_request_with_a_file_and_gets_the_protocol(
    client: Client, ana: Any
) -> None:
    types = client.get("/api/v1/portal/case-types").json()
    assert {t["code"] for t in types} == {"technical-assistance", "licence-request"}

    response = open_request(client, files=[pdf()])
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(protocol=body["protocol"])
    assert body["created"] is True and body["protocol"] in body["message"]
    assert case.party_id == ana.pk and case.channel == "portal"
    contact = Interaction.objects.get(regarding_id=case.pk, channel="portal")
    assert [a.filename for a in contact.attachments.all()] == ["nota-fiscal.pdf"]
    assert contact.attachments.get().content_type == "application/pdf"
    assert AuditEntry.objects.filter(action="portal.request_open", actor_name=f"portal:{ana.pk}")

    detail = client.get(f"/api/v1/portal/requests/{case.protocol}").json()
    assert detail["status"] == "New" and detail["history"][0]["status"] == "New"
    assert detail["messages"][0]["attachments"] == ["nota-fiscal.pdf"]
    listed = client.get("/api/v1/portal/requests").json()
    assert [r["protocol"] for r in listed] == [case.protocol]


@pytest.mark.parametrize(
    "upload,problem",
    [
        (SimpleUploadedFile("programa.pdf", EXE, content_type="application/pdf"), "not a file"),
        (SimpleUploadedFile("foto.exe", PDF, content_type="application/pdf"), "not a file"),
        (SimpleUploadedFile("foto.png", PDF, content_type="image/png"), "not a file"),
        (pdf(content=PDF + b"0" * (1024 * 1024)), "larger than 1 MB"),
    ],
    ids=["exe-named-pdf", "pdf-named-exe", "declared-png", "too-big"],
)
def test_a_refused_file_leaves_nothing_behind(
    client: Client, settings: Any, upload: Any, problem: str
) -> None:
    settings.PORTAL_ATTACHMENT_MAX_MB = 1
    before = counts()
    response = open_request(client, files=[upload])
    assert response.status_code == 422
    assert problem in " ".join(response.json()["errors"]["attachments"])
    assert counts() == before


def test_too_many_files_are_refused(client: Client, settings: Any) -> None:
    settings.PORTAL_ATTACHMENT_MAX_FILES = 1
    before = counts()
    response = open_request(client, files=[pdf("a.pdf"), pdf("b.pdf")])
    assert (
        response.status_code == 422 and "at most 1" in response.json()["errors"]["attachments"][0]
    )
    assert counts() == before


def test_a_type_not_offered_to_customers_is_refused(client: Client) -> None:
    CaseType.objects.filter(code="licence-request").update(is_public=False)
    before = counts()
    response = open_request(client, case_type="licence-request")
    assert response.status_code == 422 and "case_type" in response.json()["errors"]
    assert counts() == before
    codes = {t["code"] for t in client.get("/api/v1/portal/case-types").json()}
    assert codes == {"technical-assistance"}


def test_a_request_like_an_open_one_joins_it(client: Client, ana: Any, agent: Any) -> None:
    existing = staff_case(agent, ana, subject="Máquina de lavar não liga")
    response = open_request(client, subject="A máquina de lavar não liga", files=[pdf()])
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is False and body["protocol"] == existing.protocol
    assert "already have an open request" in body["message"]
    assert Case.objects.filter(party=ana).count() == 1
    joined = Interaction.objects.get(regarding_id=existing.pk, channel="portal")
    assert joined.attachments.count() == 1


def test_the_number_of_requests_and_replies_an_hour_is_capped(
    client: Client, ana: Any, settings: Any
) -> None:
    settings.PORTAL_WRITES_PER_HOUR = 2
    first = open_request(client).json()["protocol"]
    reply = client.post(f"/api/v1/portal/requests/{first}/replies", {"body": "Mais uma coisa"})
    assert reply.status_code == 201
    before = counts()
    refused = open_request(client, subject="Outro assunto, a TV")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    again = client.post(f"/api/v1/portal/requests/{first}/replies", {"body": "Olá?"})
    assert again.status_code == 429
    assert counts() == before


# ---------------------------------------------------------------- following


def test_another_customers_request_is_not_found(client: Client, agent: Any) -> None:
    other = staff_case(agent, PartyFactory())
    assert client.get(f"/api/v1/portal/requests/{other.protocol}").status_code == 404
    reply = client.post(f"/api/v1/portal/requests/{other.protocol}/replies", {"body": "Oi"})
    assert reply.status_code == 404
    assert client.get(f"/portal/requests/{other.protocol}/").status_code == 404
    assert client.get("/api/v1/portal/requests").json() == []


def test_internal_notes_are_never_shown(client: Client, ana: Any, agent: Any) -> None:
    case = staff_case(agent, ana)
    InteractionFactory(
        party=ana,
        channel="phone",
        direction="out",
        subject="Ligação",
        body="NOTA INTERNA: cliente difícil",
        regarding_type="service.case",
        regarding_id=case.pk,
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.COMMENT,
        occurred_at=case.created_at,
        summary="COMENTARIO INTERNO sobre o cliente",
    )
    InteractionFactory(
        party=ana,
        channel="email",
        direction="out",
        subject="Sobre o seu pedido",
        body="O técnico vai na quinta-feira.",
        regarding_type="service.case",
        regarding_id=case.pk,
    )
    detail = client.get(f"/api/v1/portal/requests/{case.protocol}").json()
    api = json.dumps(detail, ensure_ascii=False)
    page = client.get(f"/portal/requests/{case.protocol}/").content.decode()
    for text in (api, page):
        assert "O técnico vai na quinta-feira." in text
        assert "NOTA INTERNA" not in text and "COMENTARIO INTERNO" not in text


def test_a_reply_takes_a_request_waiting_on_the_customer_back_to_the_team(
    client: Client, ana: Any, agent: Any
) -> None:
    case = staff_case(agent, ana)
    case_transition(actor=agent, protocol=case.protocol, to_status="waiting_customer")
    response = client.post(
        f"/api/v1/portal/requests/{case.protocol}/replies",
        {"body": "O número de série é 123.", "files": [pdf("serie.pdf")]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status_category"] == "open" and body["status"] == "Triaged"
    assert body["messages"][-1]["body"] == "O número de série é 123."
    assert body["messages"][-1]["from_customer"] is True
    case.refresh_from_db()
    assert case.status.code == "triaged" and case.sla_paused_at is None


def test_a_closed_request_takes_no_reply_and_asks_for_the_survey(
    client: Client, ana: Any, agent: Any
) -> None:
    case = staff_case(agent, ana)
    for status in ("triaged", "in_progress", "resolved", "closed"):
        case_transition(actor=agent, protocol=case.protocol, to_status=status)
    detail = client.get(f"/api/v1/portal/requests/{case.protocol}").json()
    assert detail["survey_due"] is True and detail["can_reply"] is False
    refused = client.post(f"/api/v1/portal/requests/{case.protocol}/replies", {"body": "Oi"})
    assert refused.status_code == 409

    bad = client.post(
        f"/api/v1/portal/requests/{case.protocol}/survey",
        {"score": 9},
        content_type="application/json",
    )
    assert bad.status_code == 422
    answered = client.post(
        f"/api/v1/portal/requests/{case.protocol}/survey",
        {"score": 5, "comment": "Rápido!"},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["score"] == 5
    survey = SatisfactionSurvey.objects.get(case=case)
    assert survey.score == 5 and survey.comment == "Rápido!"
    assert AuditEntry.objects.filter(
        entity_type="service.satisfactionsurvey", actor_name=f"portal:{ana.pk}"
    ).exists()
    again = client.post(
        f"/api/v1/portal/requests/{case.protocol}/survey",
        {"score": 1},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert client.get(f"/api/v1/portal/requests/{case.protocol}").json()["survey_score"] == 5


def test_an_organisation_contact_sees_its_requests_only_when_allowed(
    portal_client: Callable[..., Client], agent: Any
) -> None:
    org = OrganizationFactory(name="Padaria Central")
    bia = PartyFactory(name="Bia Lima", given_name="Bia")
    link = AffiliationFactory(person=bia, organization=org)
    org_case = staff_case(agent, org, subject="Forno industrial parado")
    client = portal_client(bia)
    assert client.get("/api/v1/portal/requests").json() == []
    assert client.get(f"/api/v1/portal/requests/{org_case.protocol}").status_code == 404

    link.portal_sees_cases = True
    link.save()
    rows = client.get("/api/v1/portal/requests").json()
    assert [(r["protocol"], r["customer_name"]) for r in rows] == [
        (org_case.protocol, "Padaria Central")
    ]
    reply = client.post(
        f"/api/v1/portal/requests/{org_case.protocol}/replies", {"body": "O forno é o da esquerda."}
    )
    assert reply.status_code == 201
    assert reply.json()["messages"][-1]["author"] == "You"
    # another organisation's person, without a link, still sees nothing
    assert portal_client(PartyFactory()).get("/api/v1/portal/requests").json() == []


def test_the_portal_api_needs_the_portal_cookie(anonymous_api: Any, api: Any) -> None:
    assert anonymous_api.get("/portal/requests").status_code == 401
    assert api.get("/portal/requests").status_code == 401


# ---------------------------------------------------------------- the screens


def test_the_screens_open_a_request_list_it_follow_it_and_reply(
    client: Client, ana: Any, agent: Any
) -> None:
    form = client.get("/portal/requests/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert 'for="id_case_type"' in page and 'for="id_attachments"' in page
    assert "Technical assistance" in page

    response = client.post(
        "/portal/requests/new/",
        {
            "case_type": "technical-assistance",
            "subject": "Máquina de lavar não liga",
            "description": "Desde ontem.",
            "attachments": [pdf()],
        },
        follow=True,
    )
    case = Case.objects.get(party=ana)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Your request was registered with protocol {case.protocol}" in page
    assert "nota-fiscal.pdf" in page and "Desde ontem." in page

    listing = client.get("/portal/requests/").content.decode()
    assert case.protocol in listing and "Máquina de lavar não liga" in listing
    assert ">New</span>" in listing  # the status in words

    case_transition(actor=agent, protocol=case.protocol, to_status="waiting_customer")
    waiting = client.get(f"/portal/requests/{case.protocol}/").content.decode()
    assert "We are waiting for your answer" in waiting
    replied = client.post(
        f"/portal/requests/{case.protocol}/reply/", {"body": "Número de série 42."}, follow=True
    )
    page = replied.content.decode()
    assert "Your message was sent." in page and "Número de série 42." in page
    assert ">Triaged</span>" in page


def test_the_form_shows_what_is_wrong_and_writes_nothing(client: Client, settings: Any) -> None:
    before = counts()
    response = client.post(
        "/portal/requests/new/",
        {
            "case_type": "technical-assistance",
            "subject": "",
            "attachments": [SimpleUploadedFile("virus.pdf", EXE, content_type="application/pdf")],
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Say what the request is about." in page
    assert "virus.pdf is not a file type we accept" in page
    assert counts() == before

    settings.PORTAL_WRITES_PER_HOUR = 0
    limited = client.post(
        "/portal/requests/new/", {"case_type": "technical-assistance", "subject": "TV"}
    )
    assert limited.status_code == 429
    assert "Please try again later." in limited.content.decode()
    assert counts() == before


def test_the_survey_is_answered_on_the_request_page(client: Client, ana: Any, agent: Any) -> None:
    case = staff_case(agent, ana)
    for status in ("triaged", "in_progress", "resolved", "closed"):
        case_transition(actor=agent, protocol=case.protocol, to_status=status)
    page = client.get(f"/portal/requests/{case.protocol}/").content.decode()
    assert "How did we do?" in page and "This request is closed." in page
    empty = client.post(f"/portal/requests/{case.protocol}/survey/", {})
    assert empty.status_code == 422 and "Choose a score from 1 to 5." in empty.content.decode()
    done = client.post(
        f"/portal/requests/{case.protocol}/survey/", {"score": "4"}, follow=True
    ).content.decode()
    assert "Thank you for your answer." in done and "4 out of 5" in done
    assert SatisfactionSurvey.objects.get(case=case).score == 4


def test_files_are_downloaded_by_their_customer_only(
    client: Client, ana: Any, agent: Any, portal_client: Callable[..., Client]
) -> None:
    text = SimpleUploadedFile("medidas.txt", "Medidas: 60×85 cm".encode("latin-1", "replace"))
    protocol = open_request(client, files=[pdf(), text]).json()["protocol"]
    case = Case.objects.get(protocol=protocol)
    own = Attachment.objects.get(filename="nota-fiscal.pdf")
    page = client.get(f"/portal/requests/{protocol}/").content.decode()
    assert f"/portal/requests/{protocol}/files/{own.pk}/" in page and "medidas.txt" in page
    download = client.get(f"/portal/requests/{protocol}/files/{own.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]

    note = InteractionFactory(
        party=ana, channel="phone", regarding_type="service.case", regarding_id=case.pk
    )
    from fregues.interactions.services import NewAttachment, interaction_attach

    internal = interaction_attach(
        actor=agent,
        interaction_id=note.pk,
        attachment=NewAttachment("laudo-interno.pdf", PDF, "application/pdf"),
    )
    assert client.get(f"/portal/requests/{protocol}/files/{internal.pk}/").status_code == 404
    stranger = portal_client(PartyFactory())
    assert stranger.get(f"/portal/requests/{protocol}/files/{own.pk}/").status_code == 404

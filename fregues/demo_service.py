"""Demo data for customer service: partners, queues with teams, cases in every state of the
two shipped circuits, notices, satisfaction answers, quality reviews, knowledge articles.

Loaded by ``fregues demo`` after the customer base (fregues/demo.py), through the services.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.test.utils import override_settings
from django.utils import timezone

from fregues.accounts.models import Team, User
from fregues.accounts.services import team_create
from fregues.interactions.services import interaction_record
from fregues.parties.models import Party
from fregues.service.models import AvoidableContact, Case, Queue, SatisfactionSurvey
from fregues.service.services import (
    case_open,
    case_transition,
    partner_register,
    quality_review_record,
    sla_sweep,
    survey_answer,
    work_order_send,
    work_order_update,
)
from fregues.service.services.avoidable import avoidable_contact_record
from fregues.service.services.configuration import queue_update
from fregues.service.services.knowledge import seed_articles
from fregues.service.services.partners import work_order_token
from fregues.service.services.satisfaction import survey_token

TECH_SUBJECTS = [
    "Máquina de lavar não centrifuga",
    "Ar-condicionado pingando água",
    "Geladeira não gela",
    "Instalação de forno elétrico",
    "Manutenção preventiva do compressor",
    "Troca de peça na garantia",
    "Painel com código de erro E4",
    "Ruído forte no motor",
]
LICENCE_SUBJECTS = [
    "Licença de obras — ampliação de moradia",
    "Licença de publicidade para fachada",
    "Alvará de funcionamento de restaurante",
    "Licença para evento na praça",
]
# Paths through each circuit, as the demo stops at different points of them.
TECH_PATHS = [
    ["triaged"],
    ["triaged", "dispatched"],
    ["triaged", "dispatched", "in_progress"],
    ["triaged", "waiting_customer"],
    ["triaged", "in_progress", "resolved"],
    ["triaged", "dispatched", "in_progress", "resolved", "closed"],
    ["triaged", "in_progress", "resolved", "closed"],
    ["triaged", "in_progress", "resolved", "closed"],
]
LICENCE_PATHS = [
    ["document_check"],
    ["document_check", "waiting_customer"],
    ["document_check", "technical_review"],
    ["document_check", "technical_review", "legal_review", "decision"],
    ["document_check", "technical_review", "legal_review", "decision", "issued"],
    ["document_check", "technical_review", "legal_review", "decision", "refused"],
]


def _teams(users: dict[str, User]) -> None:
    support_team = Team.objects.get(name="Central de atendimento")
    licensing_team = team_create(
        actor=None, name="Licenciamento", members=[users["carla"], users["bruno"]]
    )
    for code, team in (("support", support_team), ("licensing", licensing_team)):
        queue = Queue.objects.filter(code=code).first()
        if queue is not None and queue.team_id is None:
            queue_update(actor=None, queue_id=queue.pk, team_id=team.pk)


def _partners(orgs: list[Party]) -> list[Any]:
    partners = []
    for org, skills in zip(
        orgs[-3:], ["refrigeração", "eletrodomésticos", "climatização"], strict=True
    ):
        partners.append(
            partner_register(
                actor=None,
                party_id=org.pk,
                email=f"ordens@parceiro-{org.pk}.example",
                skills=skills,
            )
        )
    return partners


def _walk(
    case: Case,
    path: list[str],
    start: datetime.datetime,
    rng: random.Random,
    agent: User,
    partners: list[Any],
) -> datetime.datetime:
    moment = start
    for step in path:
        moment += datetime.timedelta(hours=rng.randint(2, 40))
        if moment > timezone.now() - datetime.timedelta(minutes=5):
            break
        if step == "dispatched":
            order = work_order_send(
                actor=agent,
                protocol=case.protocol,
                partner_id=rng.choice(partners).pk,
                instructions="Visitar o cliente e diagnosticar.",
                transition_to="dispatched",
                notify=False,
                now=moment,
            )
            if "in_progress" in path and order.expires_at > timezone.now():
                work_order_update(
                    token=work_order_token(order), status="in_progress", notes="Técnico a caminho."
                )
            continue
        case_transition(
            actor=agent, protocol=case.protocol, to_status=step, notify=False, now=moment
        )
    return moment


def load_service_demo(
    *, users: dict[str, User], people: list[Party], orgs: list[Party], seed: int
) -> str:
    """Cases for about one customer in five, in every state; returns a one-line report."""
    rng = random.Random(seed)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _teams(users)
        partners = _partners(orgs)
        seed_articles(actor=None)
        agents = [users["ana"], users["bruno"], users["carla"]]
        now = timezone.now()
        opened = 0
        # Case A, ready to show: João's machine, dispatched to a partner three days ago.
        joao = people[0]
        start = now - datetime.timedelta(days=4)
        case_a = case_open(
            actor=users["ana"],
            party_id=joao.pk,
            case_type="technical-assistance",
            subject="Máquina de lavar não centrifuga",
            channel="phone",
            priority="high",
            category="Avaria",
            notify=False,
            now=start,
        ).case
        case_transition(
            actor=users["ana"],
            protocol=case_a.protocol,
            to_status="triaged",
            notify=False,
            now=start + datetime.timedelta(hours=2),
        )
        work_order_send(
            actor=users["ana"],
            protocol=case_a.protocol,
            partner_id=partners[0].pk,
            instructions="Cliente prefere visita de manhã.",
            transition_to="dispatched",
            notify=False,
            now=now - datetime.timedelta(days=3),
        )
        opened += 1
        for person in people[1:]:
            if rng.random() > 0.2:
                continue
            is_licence = rng.random() < 0.3
            start = now - datetime.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8))
            result = case_open(
                actor=rng.choice(agents),
                party_id=person.pk,
                case_type="licence-request" if is_licence else "technical-assistance",
                subject=rng.choice(LICENCE_SUBJECTS if is_licence else TECH_SUBJECTS),
                channel=rng.choice(["phone", "email", "web_form", "chat", "portal"]),
                priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                notify=False,
                now=start,
                force_new=True,
            )
            case = result.case
            agent = case.assignee or rng.choice(agents)
            path = rng.choice(LICENCE_PATHS if is_licence else TECH_PATHS)
            _walk(case, path, start, rng, agent, partners)
            opened += 1
            case.refresh_from_db()
            if case.is_open and rng.random() < 0.3:
                # they called to ask for the status: an avoidable contact
                contact = interaction_record(
                    actor=agent,
                    data={
                        "channel": "phone",
                        "direction": "in",
                        "subject": "Qual é a situação do meu pedido?",
                        "regarding_type": "service.case",
                        "regarding_id": case.pk,
                        "occurred_at": now - datetime.timedelta(days=rng.randint(0, 20)),
                    },
                    party_id=person.pk,
                ).interaction
                avoidable_contact_record(
                    case=case, interaction=contact, reason=AvoidableContact.Reason.STATUS_INQUIRY
                )
        for survey in SatisfactionSurvey.objects.filter(answered_at__isnull=True):
            if rng.random() < 0.6:
                survey_answer(
                    token=survey_token(survey),
                    score=rng.choice([3, 4, 4, 5, 5, 2]),
                    comment=rng.choice(["", "Rápido e atencioso.", "Demorou um pouco."]),
                )
        for case in Case.objects.filter(is_open=False, assignee__isnull=False)[:8]:
            quality_review_record(
                actor=users["quiteria"],
                checklist_id=1,
                case_id=case.pk,
                scores={
                    "greeting": 100,
                    "history": rng.choice([50, 100]),
                    "protocol": 100,
                    "resolution": rng.choice([60, 80, 100]),
                    "next_steps": rng.choice([50, 100]),
                },
                comment="Revisão de amostra.",
            )
        sweep = sla_sweep()
    return (
        f"Opened {opened} cases (technical assistance and licence requests); "
        f"{sweep['breaches']} SLA breaches recorded. Case A: {case_a.protocol} (João da Silva)."
    )

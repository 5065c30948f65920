"""The two circuits Freguês ships with, their case types, default calendars, a queue, a default
SLA policy and a quality checklist. Admins edit them afterwards; this only seeds.

Technical assistance (a company's support flow): new → triaged → dispatched to partner →
in progress → resolved → closed, plus waiting on customer.
Licence request (a public office's regulatory circuit): submitted → document check → technical
review → legal review → decision → issued / refused.
"""

from django.db import migrations

TECH = {
    "code": "technical-assistance",
    "name": "Assistência técnica",
    "description": "Pedido de assistência técnica, com envio para técnico parceiro.",
    "statuses": [
        # code, name pt, name en, category, public description
        ("new", "Novo", "New", "open", "Recebemos o seu pedido."),
        ("triaged", "Em triagem", "Triaged", "open", "O pedido foi analisado e classificado."),
        ("dispatched", "Enviado ao parceiro", "Dispatched to partner", "open",
         "Um técnico parceiro foi chamado."),
        ("in_progress", "Em atendimento", "In progress", "open", "O técnico está cuidando do seu pedido."),
        ("waiting_customer", "Aguardando cliente", "Waiting on customer", "waiting_customer",
         "Precisamos de uma informação sua."),
        ("resolved", "Resolvido", "Resolved", "resolved", "O pedido foi resolvido."),
        ("closed", "Encerrado", "Closed", "closed", "O pedido foi encerrado."),
    ],
    "transitions": [
        # from, to, action, notifies
        ("new", "triaged", "Triar", False),
        ("new", "waiting_customer", "Pedir informação", True),
        ("triaged", "dispatched", "Enviar ao parceiro", True),
        ("triaged", "in_progress", "Atender", True),
        ("triaged", "waiting_customer", "Pedir informação", True),
        ("dispatched", "in_progress", "Iniciar atendimento", True),
        ("dispatched", "triaged", "Devolver à triagem", False),
        ("in_progress", "waiting_customer", "Pedir informação", True),
        ("in_progress", "resolved", "Resolver", True),
        ("waiting_customer", "triaged", "Informação recebida", False),
        ("waiting_customer", "in_progress", "Retomar", True),
        ("resolved", "closed", "Encerrar", True),
        ("resolved", "in_progress", "Reabrir", True),
        ("new", "closed", "Encerrar sem atendimento", True),
    ],
    "case_type": ("technical-assistance", "Assistência técnica", "Technical assistance",
                  ["Avaria", "Instalação", "Manutenção", "Garantia"]),
}

LICENCE = {
    "code": "licence-request",
    "name": "Pedido de licença",
    "description": "Fluxo regulatório de um pedido de licença em um órgão público.",
    "statuses": [
        ("submitted", "Submetido", "Submitted", "open", "O seu pedido foi registado."),
        ("document_check", "Verificação documental", "Document check", "open",
         "Estamos verificando os documentos entregues."),
        ("waiting_customer", "Aguardando documentos", "Waiting for documents", "waiting_customer",
         "Falta um documento: veja o aviso que enviamos."),
        ("technical_review", "Análise técnica", "Technical review", "open",
         "O pedido está em análise técnica."),
        ("legal_review", "Análise jurídica", "Legal review", "open",
         "O pedido está em análise jurídica."),
        ("decision", "Decisão", "Decision", "open", "O pedido aguarda decisão."),
        ("issued", "Licença emitida", "Issued", "closed", "A licença foi emitida."),
        ("refused", "Indeferido", "Refused", "closed", "O pedido foi indeferido."),
    ],
    "transitions": [
        ("submitted", "document_check", "Iniciar verificação", True),
        ("document_check", "waiting_customer", "Pedir documentos", True),
        ("waiting_customer", "document_check", "Documentos recebidos", True),
        ("document_check", "technical_review", "Aprovar documentação", True),
        ("technical_review", "legal_review", "Enviar à análise jurídica", True),
        ("technical_review", "waiting_customer", "Pedir documentos", True),
        ("legal_review", "decision", "Concluir análise", True),
        ("decision", "issued", "Emitir licença", True),
        ("decision", "refused", "Indeferir", True),
    ],
    "case_type": ("licence-request", "Pedido de licença", "Licence request",
                  ["Obras", "Atividade econômica", "Publicidade", "Evento"]),
}

PRIORITY_PT = {"urgent": "urgente", "high": "alta", "normal": "normal", "low": "baixa"}

WEEKDAYS = {str(day): [["08:00", "12:00"], ["13:00", "18:00"]] for day in range(5)}


def seed(apps, schema_editor):
    Circuit = apps.get_model("service", "Circuit")
    CircuitStatus = apps.get_model("service", "CircuitStatus")
    CircuitTransition = apps.get_model("service", "CircuitTransition")
    CaseType = apps.get_model("service", "CaseType")
    BusinessCalendar = apps.get_model("service", "BusinessCalendar")
    Queue = apps.get_model("service", "Queue")
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    QualityChecklist = apps.get_model("service", "QualityChecklist")

    br = BusinessCalendar.objects.create(
        name="Brasil — horário comercial", timezone="America/Sao_Paulo", country="BR",
        working_hours=WEEKDAYS,
    )
    BusinessCalendar.objects.create(
        name="Portugal — horário de expediente", timezone="Europe/Lisbon", country="PT",
        working_hours={str(d): [["09:00", "12:30"], ["14:00", "17:30"]] for d in range(5)},
    )
    support = Queue.objects.create(code="support", name="Suporte técnico", strategy="least_loaded")
    licensing = Queue.objects.create(code="licensing", name="Licenciamento", strategy="round_robin")

    for spec, queue in ((TECH, support), (LICENCE, licensing)):
        circuit = Circuit.objects.create(
            code=spec["code"], name=spec["name"], description=spec["description"]
        )
        statuses = {}
        for position, (code, name, name_en, category, public) in enumerate(spec["statuses"]):
            statuses[code] = CircuitStatus.objects.create(
                circuit=circuit, code=code, name=name, name_en=name_en, category=category,
                is_initial=position == 0, position=position, public_description=public,
            )
        for source, target, action, notifies in spec["transitions"]:
            CircuitTransition.objects.create(
                circuit=circuit, from_status=statuses[source], to_status=statuses[target],
                name=action, notifies_customer=notifies,
            )
        code, name, name_en, categories = spec["case_type"]
        CaseType.objects.create(
            code=code, name=name, name_en=name_en, circuit=circuit, default_queue=queue,
            categories=categories,
        )

    tech = CaseType.objects.get(code="technical-assistance")
    licence = CaseType.objects.get(code="licence-request")
    hour = 60
    SlaPolicy.objects.create(
        name="Padrão", first_response_minutes=8 * hour, resolution_minutes=5 * 9 * hour, calendar=br
    )
    for priority, first, resolve in (("urgent", 1, 9), ("high", 4, 18), ("normal", 8, 45), ("low", 18, 90)):
        SlaPolicy.objects.create(
            name=f"Assistência técnica — prioridade {PRIORITY_PT[priority]}", case_type=tech, priority=priority,
            first_response_minutes=first * hour, resolution_minutes=resolve * hour, calendar=br,
        )
    SlaPolicy.objects.create(
        name="Assistência técnica — cliente ouro", case_type=tech, customer_tier="gold",
        first_response_minutes=2 * hour, resolution_minutes=18 * hour, calendar=br,
    )
    SlaPolicy.objects.create(
        name="Pedido de licença", case_type=licence,
        first_response_minutes=2 * 9 * hour, resolution_minutes=30 * 9 * hour, calendar=br,
    )
    QualityChecklist.objects.create(
        name="Atendimento",
        items=[
            {"code": "greeting", "label": "Cumprimentou e tratou o cliente pelo nome", "weight": 1},
            {"code": "history", "label": "Consultou o histórico antes de perguntar", "weight": 2},
            {"code": "protocol", "label": "Informou o número de protocolo", "weight": 2},
            {"code": "resolution", "label": "Resolveu ou encaminhou corretamente", "weight": 3},
            {"code": "next_steps", "label": "Explicou os próximos passos e prazos", "weight": 2},
        ],
    )


def unseed(apps, schema_editor):
    for name in ("SlaPolicy", "CaseType", "CircuitTransition", "CircuitStatus", "Circuit",
                 "Queue", "BusinessCalendar", "QualityChecklist"):
        apps.get_model("service", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0001_cases_circuits_sla_partners_quality_knowledge")]

    operations = [migrations.RunPython(seed, unseed)]

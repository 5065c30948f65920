"""The demo dataset: a Brazilian and Portuguese customer base with two years of contacts.

Loaded by ``fregues demo`` into an empty database, through the same services as the UI, the
API and the importers (so every row is validated, normalised and audited). Seeded: the same
seed gives the same data. Running it on a database that has parties changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker
from stdnum.pt import nif as pt_nif

from fregues.accounts.models import User
from fregues.accounts.services import team_create, user_create
from fregues.core.permissions import ROLES
from fregues.core.text import fold
from fregues.demo_analytics import load_analytics_demo
from fregues.demo_marketing import load_marketing_demo
from fregues.demo_sales import load_sales_demo
from fregues.demo_service import load_service_demo
from fregues.interactions.services import interaction_record_many
from fregues.parties.models import Party
from fregues.parties.services import affiliation_add, duplicate_scan, note_add, party_create

DEMO_PASSWORD = "fregues-demo"

DEMO_USERS = [
    # username, role, first name, last name
    ("ana", "agent", "Ana", "Souza"),
    ("rui", "relationship_manager", "Rui", "Almeida"),
    ("quiteria", "quality_manager", "Quitéria", "Lima"),
    ("vitor", "sales", "Vítor", "Santos"),
    ("marta", "marketing", "Marta", "Gonçalves"),
    ("admin", "admin", "Adélia", "Moreira"),
    ("bruno", "agent", "Bruno", "Cardoso"),
    ("carla", "agent", "Carla", "Ferreira"),
    ("duarte", "relationship_manager", "Duarte", "Pires"),
    ("sofia", "sales", "Sofia", "Mendes"),
]

STAGES = [
    ("suspect", 10),
    ("prospect", 20),
    ("buyer", 15),
    ("client", 35),
    ("advocate", 8),
    ("inactive", 7),
    ("lost", 5),
]

CHANNEL_WEIGHTS = [
    ("phone", 28),
    ("email", 22),
    ("chat", 10),
    ("sms", 6),
    ("mms", 2),
    ("fax", 1),
    ("letter", 3),
    ("visit", 7),
    ("web_form", 6),
    ("social", 9),
    ("portal", 6),
]

SUBJECTS = {
    "in": [
        "Pedido de assistência técnica",
        "Dúvida sobre a fatura",
        "Pedido de segunda via do boleto",
        "Reclamação: entrega atrasada",
        "Pedido de orçamento",
        "Alteração de morada",
        "Informação sobre o estado do pedido",
        "Cancelamento de assinatura",
        "Elogio ao atendimento",
        "Produto com defeito",
        "Pedido de licença de obras",
        "Consulta sobre prazos",
    ],
    "out": [
        "Retorno sobre o pedido",
        "Confirmação de visita técnica",
        "Envio de proposta comercial",
        "Pesquisa de satisfação",
        "Lembrete de renovação",
        "Aviso: pedido despachado",
        "Convite para evento de clientes",
        "Cobrança amigável",
        "Boas-vindas",
    ],
}
OUTCOMES = {
    "phone": ["resolved", "callback", "no_answer", "voicemail", "transferred"],
    "visit": ["completed", "rescheduled", "order_taken"],
    "default": ["resolved", "pending", "answered", ""],
}
BODIES = [
    "Cliente explicou a situação com calma; registado e encaminhado.",
    "Solicitou retorno até sexta-feira. Informado do prazo.",
    "Enviada documentação pedida. Aguarda confirmação.",
    "Reclamou da demora; pedimos desculpa e demos prioridade.",
    "Quer conhecer a nova linha de produtos.",
    "Confirmou os dados de contacto e a morada de entrega.",
    "Pediu para não receber campanhas por SMS.",
    "Muito satisfeito com a resolução do técnico parceiro.",
]
NETWORKS = ["facebook", "x", "linkedin", "instagram", "whatsapp", "telegram"]
TAGS = ["VIP", "Imprensa", "Fornecedor", "Parceiro", "Governo", "Inadimplente", "Newsletter"]
JOB_ROLES = [
    "Diretora de compras",
    "Diretor financeiro",
    "Gerente de TI",
    "Sócio",
    "Assistente administrativo",
    "Engenheira de manutenção",
    "Responsável de qualidade",
]
BR_DDD = ["11", "21", "31", "41", "51", "61", "71", "81", "85", "91", "19", "27", "48"]


@dataclass
class Generator:
    seed: int
    rng: random.Random = field(init=False)
    br: Faker = field(init=False)
    pt: Faker = field(init=False)
    used_emails: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.br = Faker("pt_BR")
        self.br.seed_instance(self.seed)
        self.pt = Faker("pt_PT")
        self.pt.seed_instance(self.seed + 1)

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        names, weights = zip(*weighted, strict=True)
        return self.rng.choices(names, weights=weights)[0]

    def phone(self, country: str) -> str:
        while True:
            if country == "BR":
                number = f"+55{self.rng.choice(BR_DDD)}9{self.rng.randint(60000000, 99999999)}"
            else:
                number = f"+3519{self.rng.choice('1236')}{self.rng.randint(1000000, 9999999)}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def email(self, given: str, family: str, domain: str | None = None) -> str:
        base = f"{fold(given)}.{fold(family)}".replace(" ", "").replace("'", "")
        domain = domain or self.rng.choice(
            ["gmail.com", "hotmail.com", "outlook.com", "uol.com.br", "sapo.pt", "yahoo.com.br"]
        )
        candidate = f"{base}@{domain}"
        n = 1
        while candidate in self.used_emails:
            n += 1
            candidate = f"{base}{n}@{domain}"
        self.used_emails.add(candidate)
        return candidate

    def nif(self, first_digit: str = "2") -> str:
        body = first_digit + "".join(str(self.rng.randint(0, 9)) for _ in range(7))
        return body + pt_nif.calc_check_digit(body)

    def address(self, country: str) -> dict[str, str]:
        if country == "BR":
            fake = self.br
            return {
                "kind": "address",
                "street": fake.street_name(),
                "number": fake.building_number(),
                "district": fake.bairro(),
                "city": fake.city(),
                "region": fake.estado_sigla(),
                "postal_code": fake.postcode(),
                "country": "BR",
                "label": "home",
            }
        fake = self.pt
        return {
            "kind": "address",
            "street": fake.street_name(),
            "number": str(self.rng.randint(1, 300)),
            "city": fake.city(),
            "region": fake.distrito(),
            "postal_code": fake.postcode(),
            "country": "PT",
            "label": "home",
        }

    def moment(self, days_back: int = 730) -> datetime.datetime:
        now = timezone.now()
        delta = datetime.timedelta(
            days=self.rng.randint(0, days_back),
            hours=self.rng.randint(0, 10),
            minutes=self.rng.randint(0, 59),
        )
        moment = now - delta
        moment = moment.replace(hour=max(8, min(moment.hour, 19)))
        # business hours, but never in the future: before 08:00 "today at 08:00" is still ahead
        if moment > now:
            moment -= datetime.timedelta(days=1)
        return moment


def ensure_users() -> dict[str, User]:
    """One demo user per role (and a few more agents), created once."""
    users = {}
    encoded = make_password(DEMO_PASSWORD)
    for username, role, first, last in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                password=None,
                password_hash=encoded,
                role=role,
                email=f"{username}@fregues.example",
                first_name=first,
                last_name=last,
                check_password=False,
            )
        users[username] = user
    if not User.objects.filter(teams__isnull=False).exists():
        team_create(
            actor=None,
            name="Central de atendimento",
            members=[users["ana"], users["bruno"], users["carla"]],
        )
        team_create(actor=None, name="Gestão de clientes", members=[users["rui"], users["duarte"]])
    return users


def _organizations(gen: Generator, owners: list[User], count: int = 55) -> list[Party]:
    orgs = []
    for i in range(count):
        country = "BR" if i % 4 else "PT"
        fake = gen.br if country == "BR" else gen.pt
        name = fake.company()
        tax_id = gen.br.cnpj() if country == "BR" else gen.nif(first_digit="5")
        domain = fold(name).split(" ")[0].replace(",", "").replace("'", "") or "empresa"
        domain = f"{domain}{i}.{'com.br' if country == 'BR' else 'pt'}"
        stage = gen.pick(STAGES)
        org = party_create(
            actor=None,
            data={
                "kind": "organization",
                "name": name,
                "legal_name": f"{name} {'Ltda.' if country == 'BR' else 'Lda.'}",
                "tax_id": tax_id,
                "country": country,
                "language": "pt-br" if country == "BR" else "pt-pt",
                "owner_id": gen.rng.choice(owners).pk,
                "attributes": {
                    "segment": gen.rng.choice(["indústria", "varejo", "serviços", "setor público"])
                },
            },
            contact_points=[
                {"kind": "email", "value": f"contato@{domain}"},
                {"kind": "phone", "value": gen.phone(country), "label": "work"},
                gen.address(country) | {"label": "work"},
            ],
            tags=gen.rng.sample(
                ["Parceiro", "Fornecedor", "Governo", "VIP"], k=gen.rng.randint(0, 2)
            ),
            external_ids=[{"source": "erp", "code": f"C{10000 + i}"}],
            lifecycle_stage=stage,
            lifecycle_reason="demo data",
        )
        orgs.append(org)
    return orgs


def _person(
    gen: Generator,
    owners: list[User],
    country: str,
    *,
    given: str | None = None,
    family: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    tax_id: str | None = None,
    stage: str | None = None,
) -> Party:
    fake = gen.br if country == "BR" else gen.pt
    given = given or fake.first_name()
    if family is None:
        two = gen.rng.random() < 0.4
        family = f"{fake.last_name()} {fake.last_name()}" if two else fake.last_name()
    points: list[dict[str, Any]] = [
        {"kind": "email", "value": email or gen.email(given, family)},
        {"kind": "phone", "value": phone or gen.phone(country), "label": "mobile"},
    ]
    if gen.rng.random() < 0.8:
        points.append(gen.address(country))
    if gen.rng.random() < 0.3:
        network = gen.rng.choice(NETWORKS)
        handle = (
            points[1]["value"]
            if network == "whatsapp"
            else f"{fold(given).split(' ')[0]}_{fold(family).split(' ')[-1]}{gen.rng.randint(1, 99)}"
        )
        points.append({"kind": "social", "network": network, "value": handle})
    birth = timezone.localdate() - datetime.timedelta(days=gen.rng.randint(18 * 365, 85 * 365))
    return party_create(
        actor=None,
        data={
            "kind": "person",
            "given_name": given,
            "family_name": family,
            "tax_id": tax_id
            if tax_id is not None
            else (gen.br.cpf() if country == "BR" else gen.nif()),
            "country": country,
            "language": "pt-br" if country == "BR" else "pt-pt",
            "birth_date": birth,
            "owner_id": gen.rng.choice(owners).pk if gen.rng.random() < 0.7 else None,
        },
        contact_points=points,
        tags=gen.rng.sample(TAGS, k=gen.rng.choice([0, 0, 0, 1, 1, 2])),
        lifecycle_stage=stage or gen.pick(STAGES),
        lifecycle_reason="demo data",
    )


def _people(gen: Generator, owners: list[User], orgs: list[Party], count: int = 320) -> list[Party]:
    people = []
    # People the newcomer can find at once ("joao"), and pairs the duplicate scan should flag.
    joao = _person(
        gen,
        owners,
        "BR",
        given="João",
        family="da Silva",
        email="joao.silva@gmail.com",
        phone="+5511987654321",
        tax_id="52998224725",
        stage="client",
    )
    people.append(joao)
    people.append(
        _person(
            gen,
            owners,
            "BR",
            given="Joao",
            family="Silva",
            email="joaosilva+loja@gmail.com",
            tax_id="",
            stage="prospect",
        )
    )
    people.append(
        _person(
            gen,
            owners,
            "PT",
            given="João",
            family="Gonçalves Pereira",
            email="joao.pereira@sapo.pt",
            stage="advocate",
        )
    )
    maria = _person(gen, owners, "BR", given="Maria", family="Conceição Oliveira", stage="buyer")
    people.append(maria)
    people.append(
        _person(
            gen,
            owners,
            "BR",
            given="Maria",
            family="Conceicao Oliveira",
            tax_id=maria.tax_id,
            stage="suspect",
        )
    )
    for i in range(count - len(people)):
        country = "BR" if i % 3 else "PT"
        people.append(_person(gen, owners, country))
    for person in people:
        if gen.rng.random() < 0.4:
            org = gen.rng.choice(orgs)
            affiliation_add(
                actor=None,
                person_id=person.pk,
                organization_id=org.pk,
                role=gen.rng.choice(JOB_ROLES),
                is_primary=True,
            )
    # Two colleagues whose names differ by a typo, in the same organisation.
    org = orgs[0]
    for given, family in (("Luíza", "Mendes Costa"), ("Luiza", "Mendes Costa")):
        colleague = _person(gen, owners, "BR", given=given, family=family, tax_id="")
        affiliation_add(actor=None, person_id=colleague.pk, organization_id=org.pk, role="Compras")
        people.append(colleague)
    return people


def _interactions(
    gen: Generator, parties: list[Party], agents: list[User], count: int = 3300
) -> int:
    channels = [c for c, _w in CHANNEL_WEIGHTS]
    # every channel at least once, then by weight
    plan = channels + [gen.pick(CHANNEL_WEIGHTS) for _ in range(count - len(channels))]
    rows = []
    for i, channel in enumerate(plan):
        party = parties[0] if i < 40 else gen.rng.choice(parties)
        direction = "in" if gen.rng.random() < 0.6 else "out"
        if channel in ("web_form", "portal"):
            direction = "in"
        row: dict[str, Any] = {
            "party_id": party.pk,
            "channel": channel,
            "direction": direction,
            "occurred_at": gen.moment(),
            "subject": gen.rng.choice(SUBJECTS[direction]),
            "body": gen.rng.choice(BODIES),
            "outcome": gen.rng.choice(OUTCOMES.get(channel, OUTCOMES["default"])),
            "agent_id": gen.rng.choice(agents).pk,
            "external_id": f"demo-{i}",
        }
        if channel == "social":
            row["network"] = gen.rng.choice(NETWORKS)
        if channel == "phone":
            row["duration_seconds"] = gen.rng.randint(30, 1500)
        rows.append(row)
    return interaction_record_many(actor=None, rows=rows)["created"]


def load_demo(
    *,
    seed: int = 2026,
    organisation_count: int = 55,
    people_count: int = 320,
    interaction_count: int = 3300,
) -> str:
    """Load the demo data into an empty database and return what to print (the logins).

    The counts size the data set: the upgrade rehearsal
    (tests/upgrade_rehearsal.py) loads a few of each, so every table holds rows quickly."""
    users = ensure_users()
    lines = []
    if Party.objects.exists():
        lines.append(f"Demo data already present ({Party.objects.count()} parties): kept as it is.")
    else:
        gen = Generator(seed)
        owners = [users["rui"], users["duarte"]]
        agents = [users[name] for name in ("ana", "bruno", "carla", "vitor", "rui")]
        with transaction.atomic():
            orgs = _organizations(gen, owners, count=organisation_count)
            people = _people(gen, owners, orgs, count=people_count)
            count = _interactions(gen, people + orgs, agents, count=interaction_count)
            for person in people[:30]:
                note_add(actor=None, party_id=person.pk, body=gen.rng.choice(BODIES))
            duplicate_scan(actor=None)
            service_report = load_service_demo(users=users, people=people, orgs=orgs, seed=seed)
            sales_report = load_sales_demo(users=users, people=people, orgs=orgs, seed=seed)
            marketing_report = load_marketing_demo(users=users, people=people)
        lines.append(
            f"Loaded {len(people)} people, {len(orgs)} organisations and {count} interactions."
        )
        lines.append(service_report)
        lines.append(sales_report)
        lines.append(marketing_report)
        lines.append(load_analytics_demo())
    lines.append("")
    lines.append(
        "Customer's portal: /portal/ — sign in as João da Silva with joao.silva@gmail.com "
        "(e-mails are printed on this console: the sign-in link appears here)."
    )
    lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, _first, _last in DEMO_USERS:
        if role in ROLES and username in users:
            lines.append(f"  {username:<10} {role}")
    return "\n".join(lines)

"""Demo data for sales and consent: a catalogue with prices, two years of orders from the ERP
with their invoices (the lifecycle moved by them), deals across the pipeline, leads from the web
form and from referrals, a week of the salespeople's activities, quotes in every state, and the
consents customers gave.

Case A is ready to show: Vítor has a routine visit to João tomorrow; its briefing shows João's
open technical-assistance case, dispatched to a partner.

Loaded by ``fregues demo`` after the customer base and the cases (fregues/demo.py), through the
services, so every row is validated and audited like the real thing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.test.utils import override_settings
from django.utils import timezone

from fregues.accounts.models import User
from fregues.parties.models import Party
from fregues.parties.services import consent_record, note_add
from fregues.sales.models import CloseReason, Order, Pipeline, PriceList, Product, TaxRate
from fregues.sales.services.activities import activity_complete, activity_create
from fregues.sales.services.catalog import prices_set
from fregues.sales.services.invoices import invoice_create, invoice_payment_record
from fregues.sales.services.lead_conversion import lead_convert
from fregues.sales.services.leads import lead_create, lead_disqualify, lead_qualify
from fregues.sales.services.lifecycle_backfill import lifecycle_backfill
from fregues.sales.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_win,
)
from fregues.sales.services.orders import order_create
from fregues.sales.services.products import product_create
from fregues.sales.services.quote_links import quote_send
from fregues.sales.services.quotes import quote_create

CATALOGUE = [
    # sku, name, unit, category, tax code, cost, price (BRL)
    ("LAV-12", "Lavadora 12 kg", "un", "Eletrodomésticos", "icms-18", "1450.00", "2399.00"),
    ("SEC-10", "Secadora 10 kg", "un", "Eletrodomésticos", "icms-18", "1290.00", "2099.00"),
    (
        "GEL-480",
        "Geladeira frost-free 480 L",
        "un",
        "Eletrodomésticos",
        "icms-18",
        "2600.00",
        "4299.00",
    ),
    ("FOG-5B", "Fogão 5 bocas", "un", "Eletrodomésticos", "icms-18", "880.00", "1499.00"),
    ("MIC-32", "Micro-ondas 32 L", "un", "Eletrodomésticos", "icms-18", "390.00", "699.00"),
    ("INS-01", "Instalação", "serv", "Serviços", "iss-5", "80.00", "190.00"),
    ("MAN-AN", "Plano de manutenção anual", "serv", "Serviços", "iss-5", "150.00", "480.00"),
    ("GAR-EXT", "Garantia estendida 2 anos", "un", "Serviços", "iss-5", "60.00", "349.00"),
    ("FIL-AG", "Filtro de água (refil)", "un", "Peças", "icms-18", "22.00", "59.90"),
    ("KIT-LAV", "Kit de mangueiras", "un", "Peças", "icms-18", "18.00", "49.90"),
]
DEAL_TITLES = [
    "Equipar a cozinha industrial",
    "Renovação do parque de lavadoras",
    "Contrato de manutenção 2027",
    "Linha branca para o novo hotel",
    "Troca das geladeiras da loja",
    "Garantia estendida para a frota",
    "Plano de manutenção das unidades",
    "Eletrodomésticos para 40 apartamentos",
]
LEADS = [
    # name, company, interest, source, message
    (
        "Helena Prado",
        "Pousada Mar Azul",
        "Lavadoras",
        "web_form",
        "Precisamos de 3 lavadoras industriais.",
    ),
    ("Caio Ribeiro", "", "Geladeira", "web_form", "Qual o prazo de entrega para Campinas?"),
    ("Marina Lopes", "Restaurante Sabor & Arte", "Cozinha", "referral", "Indicação do João."),
    (
        "Otávio Nunes",
        "Condomínio Jardins",
        "Manutenção",
        "phone",
        "Querem um plano para 60 unidades.",
    ),
    ("Beatriz Faria", "", "Micro-ondas", "web_form", "Vocês entregam no sábado?"),
    (
        "Rafael Costa",
        "Hotel Serra Verde",
        "Linha branca",
        "event",
        "Conversamos na feira de hotelaria.",
    ),
    ("Sofia Teixeira", "", "Garantia", "web_form", "Quero estender a garantia da minha lavadora."),
    ("Gustavo Melo", "Lavanderia Bolha", "Lavadoras", "import", "Lista da feira 2026."),
]


def _catalogue(admin: User) -> list[Product]:
    taxes = {t.code: t for t in TaxRate.objects.all()}
    price_list = PriceList.objects.get(code="padrao-brl")
    products = []
    prices = []
    for sku, name, unit, category, tax, cost, price in CATALOGUE:
        product = product_create(
            actor=admin,
            data={
                "sku": sku,
                "name": name,
                "unit": unit,
                "category": category,
                "tax_rate_id": taxes[tax].pk,
                "cost": cost,
                "cost_currency": "BRL",
            },
        )
        products.append(product)
        prices.append({"product_id": product.pk, "unit_price": price})
    prices_set(actor=admin, price_list_id=price_list.pk, prices=prices)
    return products


def _lines(rng: random.Random, products: list[Product]) -> list[dict[str, Any]]:
    prices = {
        p.product_id: p.unit_price for p in PriceList.objects.get(code="padrao-brl").prices.all()
    }
    chosen = rng.sample(products, rng.choice([1, 1, 2, 2, 3]))
    return [
        {
            "product_id": p.pk,
            "sku": p.sku,
            "description": p.name,
            "unit": p.unit,
            "quantity": str(rng.choice([1, 1, 1, 2, 3]) if p.unit == "un" else 1),
            "unit_price": str(prices[p.pk]),
            "discount_percent": str(rng.choice([0, 0, 0, 5, 10])),
            "tax_rate": str(p.tax_rate.rate if p.tax_rate else 0),
            "unit_cost": str(p.cost) if p.cost is not None else None,
        }
        for p in chosen
    ]


def _invoice(order: Order, paid: bool, overdue: bool, now: datetime.datetime) -> None:
    """The ERP's invoice for an order, and the payment when it came (the order follows)."""
    issued = order.ordered_at + datetime.timedelta(days=1)
    due = (issued + datetime.timedelta(days=30)).date()
    if overdue:
        due = (now - datetime.timedelta(days=12)).date()
    invoice = invoice_create(
        actor=None,
        data={
            "order_id": order.pk,
            "number": f"NF-{order.pk:06d}",
            "issued_at": issued,
            "due_date": due,
        },
    )
    if paid:
        invoice_payment_record(
            actor=None,
            invoice_id=invoice.pk,
            amount=invoice.total,
            paid_at=min(issued + datetime.timedelta(days=10), now),
            method="boleto",
        )


def _orders(
    rng: random.Random, customers: list[Party], products: list[Product], owners: list[User]
) -> int:
    """Two years of ERP orders for about one customer in four, a few of them repeat buyers."""
    now = timezone.now()
    count = 0
    for party in customers:
        if rng.random() > 0.25:
            continue
        visits = rng.choice([1, 1, 1, 2, 2, 3, 4])
        moment = now - datetime.timedelta(days=rng.randint(30, 720))
        for _ in range(visits):
            if moment > now:
                break
            count += 1
            recent = (now - moment).days < 45
            order = order_create(
                actor=None,
                data={
                    "party_id": party.pk,
                    "currency": "BRL",
                    "ordered_at": moment,
                    "source": "erp",
                    "external_id": f"erp-{count}",
                    "number": f"ERP-{20000 + count}",
                    "owner_id": rng.choice(owners).pk,
                    "status": "fulfilled" if not recent else "confirmed",
                    "payment_state": "unpaid",
                    "lines": _lines(rng, products),
                },
            )
            paid = not recent or rng.random() < 0.5
            _invoice(order, paid=paid, overdue=not paid and rng.random() < 0.5, now=now)
            moment += datetime.timedelta(days=rng.randint(40, 300))
    return count


def _deals(
    rng: random.Random, customers: list[Party], owners: list[User], now: datetime.datetime
) -> list[Any]:
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.filter(is_active=True))
    lost_reasons = list(CloseReason.objects.filter(kind="lost"))
    deals = []
    for i, party in enumerate(rng.sample(customers, min(36, len(customers)))):
        owner = owners[i % len(owners)]
        deal = opportunity_create(
            actor=owner,
            data={
                "title": rng.choice(DEAL_TITLES),
                "party_id": party.pk,
                "amount": str(rng.choice([4800, 9600, 12500, 18000, 27500, 42000, 65000])),
                "currency": "BRL",
                "expected_close_date": (now + datetime.timedelta(days=rng.randint(-5, 150))).date(),
                "owner_id": owner.pk,
                "source": rng.choice(["referral", "web_form", "event", "phone"]),
            },
            now=now - datetime.timedelta(days=rng.randint(5, 60)),
        )
        target = rng.choice(stages)
        if target != deal.stage:
            deal = opportunity_move(
                actor=owner,
                opportunity_id=deal.pk,
                stage_id=target.pk,
                now=now - datetime.timedelta(days=rng.randint(0, 30)),
            )
        roll = rng.random()
        if roll < 0.12:
            opportunity_win(actor=owner, opportunity_id=deal.pk, note="Fechado na visita.")
        elif roll < 0.22:
            opportunity_lose(
                actor=owner,
                opportunity_id=deal.pk,
                close_reason_id=rng.choice(lost_reasons).pk,
                note="Escolheu outro fornecedor.",
            )
        deals.append(deal)
    return deals


def _leads(rng: random.Random, users: dict[str, User], referrer: Party) -> int:
    vitor = users["vitor"]
    for i, (name, company, interest, source, message) in enumerate(LEADS):
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@exemplo.com.br"
        data: dict[str, Any] = {
            "name": name,
            "company": company,
            "email": email,
            "interest": interest,
            "message": message,
            "estimated_amount": str(rng.choice([2500, 8000, 15000, 30000])),
            "currency": "BRL",
            "owner_id": vitor.pk if i % 2 == 0 else None,
            "external_id": f"demo-lead-{i}",
        }
        if source == "referral":
            data["referred_by_id"] = referrer.pk
        lead = lead_create(actor=users["marta"], data=data, source=source).lead
        if i in (0, 3):
            lead_qualify(actor=vitor, lead_id=lead.pk)
        elif i == 2:
            lead_convert(actor=vitor, lead_id=lead.pk)
        elif i == 4:
            lead_disqualify(actor=vitor, lead_id=lead.pk, reason="Só queria saber o horário.")
    return len(LEADS)


def _activities(
    rng: random.Random,
    users: dict[str, User],
    deals: list[Any],
    joao: Party,
    now: datetime.datetime,
) -> int:
    vitor = users["vitor"]
    tomorrow = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
    tomorrow += datetime.timedelta(days=1)
    # Case A: the routine visit whose briefing shows João's open case.
    activity_create(
        actor=vitor,
        data={
            "kind": "visit",
            "subject": "Visita de rotina",
            "party_id": joao.pk,
            "due_at": tomorrow.isoformat(),
            "duration_minutes": 60,
            "remind_minutes_before": 60,
        },
    )
    note_add(
        actor=vitor,
        party_id=joao.pk,
        body="Prefere visitas de manhã; falar com ele, não com a recepção.",
        before_visit=True,
    )
    count = 1
    subjects = {
        "call": ["Ligar para confirmar a proposta", "Ligar para saber da decisão"],
        "task": ["Preparar a proposta revisada", "Conferir o estoque com a fábrica"],
        "meeting": ["Reunião de negociação", "Apresentar o plano de manutenção"],
        "visit": ["Visitar a obra", "Visita técnica com o comprador"],
        "email": ["Enviar catálogo atualizado", "Enviar condições de pagamento"],
    }
    kinds = ["call", "call", "task", "meeting", "visit", "email"]
    for deal in deals[:24]:
        owner = deal.owner or vitor
        due = now + datetime.timedelta(days=rng.randint(-6, 10), hours=rng.randint(-4, 4))
        kind = rng.choice(kinds)
        activity = activity_create(
            actor=owner,
            data={
                "kind": kind,
                "subject": rng.choice(subjects[kind]),
                "opportunity_id": deal.pk,
                "due_at": due.isoformat(),
            },
        )
        count += 1
        if due < now and rng.random() < 0.8:
            activity_complete(
                actor=owner,
                activity_id=activity.pk,
                outcome=rng.choice(["Interessado", "Pediu desconto", "Retornar na semana que vem"]),
            )
    return count


def _quotes(
    rng: random.Random, users: dict[str, User], deals: list[Any], products: list[Product]
) -> int:
    vitor = users["vitor"]
    count = 0
    open_deals = [d for d in deals if d.status == "open"][:8]
    for i, deal in enumerate(open_deals):
        lines = [
            {"product_id": p.pk, "quantity": str(rng.choice([1, 2, 4, 10]))}
            for p in rng.sample(products, 2)
        ]
        quote = quote_create(
            actor=vitor, data={"opportunity_id": deal.pk, "title": deal.title, "lines": lines}
        )
        count += 1
        if i % 2 == 0 and deal.party.contact_points.filter(kind="email").exists():
            quote_send(actor=vitor, quote_id=quote.pk)
    return count


def _consents(rng: random.Random, customers: list[Party], agent: User) -> int:
    count = 0
    for party in customers:
        roll = rng.random()
        if roll < 0.35:
            consent_record(
                actor=agent,
                party_id=party.pk,
                purpose="marketing_email",
                granted=True,
                source=rng.choice(["form", "portal", "agent"]),
                text_version="2026-01",
                occurred_at=timezone.now() - datetime.timedelta(days=rng.randint(1, 300)),
            )
            count += 1
            if rng.random() < 0.15:
                consent_record(
                    actor=agent,
                    party_id=party.pk,
                    purpose="marketing_email",
                    granted=False,
                    source="email",
                    note="Pediu para sair da lista.",
                )
                count += 1
        if roll < 0.15:
            consent_record(
                actor=agent,
                party_id=party.pk,
                purpose="marketing_messages",
                channel="whatsapp",
                granted=True,
                source="portal",
                text_version="2026-01",
            )
            count += 1
    return count


def load_sales_demo(
    *, users: dict[str, User], people: list[Party], orgs: list[Party], seed: int
) -> str:
    """The sales demo; returns a one-line report."""
    rng = random.Random(seed + 8)
    now = timezone.now()
    owners = [u for u in (users.get("vitor"), users.get("sofia")) if u is not None]
    customers = people + orgs
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        products = _catalogue(users["admin"])
        orders = _orders(rng, customers[1:], products, owners)
        lifecycle_backfill(actor=None)
        deals = _deals(rng, customers[1:], owners, now)
        leads = _leads(rng, users, referrer=people[0])
        activities = _activities(rng, users, deals, people[0], now)
        quotes = _quotes(rng, users, deals, products)
        consents = _consents(rng, customers, users["ana"])
    return (
        f"Sales: {len(products)} products, {orders} orders, {len(deals)} deals, {leads} leads, "
        f"{activities} activities, {quotes} quotes; {consents} consent records."
    )

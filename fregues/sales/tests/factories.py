"""Test data for sales: pipelines, deals, leads, activities, products, quotes, orders, invoices.

Factories write rows directly (fast, for volume) with totals computed by ``fregues.sales.money``
the way the services compute them. To exercise the rules (validation, audit, events, lifecycle),
call the services.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from fregues.accounts.tests.factories import UserFactory
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import (
    Activity,
    CloseReason,
    Invoice,
    InvoiceLine,
    Lead,
    LeadForm,
    Opportunity,
    Order,
    OrderLine,
    Pipeline,
    PipelineStage,
    Price,
    PriceList,
    Product,
    Quote,
    QuoteLine,
    TaxRate,
)
from fregues.sales.money import document_totals, line_amounts


def default_pipeline() -> Pipeline:
    """The pipeline the migrations seed ("Novos negócios", four stages)."""
    return Pipeline.objects.get(is_default=True)


class PipelineFactory(DjangoModelFactory):
    """A pipeline with three stages (10 %, 50 %, 80 %)."""

    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"pipeline-{n}")
    name = factory.Sequence(lambda n: f"Funil {n}")
    name_en = factory.Sequence(lambda n: f"Pipeline {n}")
    currency = "BRL"

    @factory.post_generation
    def stages(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for position, (code, probability) in enumerate(
            extracted or [("first", 10), ("middle", 50), ("last", 80)]
        ):
            PipelineStage.objects.create(
                pipeline=self,
                code=code,
                name=code.capitalize(),
                probability=probability,
                rotting_days=10,
                position=position,
            )


class CloseReasonFactory(DjangoModelFactory):
    class Meta:
        model = CloseReason

    kind = "lost"
    name = factory.Sequence(lambda n: f"Motivo {n}")


class OpportunityFactory(DjangoModelFactory):
    """An open deal in the first stage of the default pipeline, owned by a salesperson."""

    class Meta:
        model = Opportunity

    title = factory.Sequence(lambda n: f"Negócio {n}")
    party = factory.SubFactory(PartyFactory)
    pipeline = factory.LazyFunction(default_pipeline)
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("position").first())
    amount = Decimal("10000.00")
    currency = "BRL"
    expected_close_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=30)
    )
    owner = factory.SubFactory(UserFactory, role="sales")
    stage_changed_at = factory.LazyFunction(timezone.now)


class LeadFormFactory(DjangoModelFactory):
    class Meta:
        model = LeadForm

    code = factory.Sequence(lambda n: f"form-{n}")
    name = factory.Sequence(lambda n: f"Formulário {n}")


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Faker("name", locale="pt_BR")
    company = factory.Faker("company", locale="pt_BR")
    email = factory.Sequence(lambda n: f"lead{n}@exemplo.com.br")
    email_normalized = factory.LazyAttribute(lambda lead: lead.email.lower())
    source = "manual"


class ActivityFactory(DjangoModelFactory):
    """A call planned for tomorrow with a customer."""

    class Meta:
        model = Activity

    kind = "call"
    subject = factory.Sequence(lambda n: f"Ligar para o cliente {n}")
    party = factory.SubFactory(PartyFactory)
    owner = factory.SubFactory(UserFactory, role="sales")
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


class TaxRateFactory(DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("code",)

    code = "icms-18"
    name = "ICMS 18%"
    rate = Decimal("18")
    country = "BR"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Produto {n}")
    unit = "un"
    cost = Decimal("60.00")
    cost_currency = "BRL"


class PriceListFactory(DjangoModelFactory):
    class Meta:
        model = PriceList

    code = factory.Sequence(lambda n: f"lista-{n}")
    name = factory.Sequence(lambda n: f"Lista {n}")
    currency = "EUR"


class PriceFactory(DjangoModelFactory):
    class Meta:
        model = Price

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    unit_price = Decimal("100.00")


def _line_values(
    product: Product | None,
    quantity: Decimal,
    unit_price: Decimal,
    tax_rate: Decimal,
    currency: str,
    discount_percent: Decimal = Decimal("0"),
) -> dict[str, Any]:
    amounts = line_amounts(
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_rate=tax_rate,
        currency=currency,
    )
    return {
        "product": product,
        "sku": product.sku if product else "",
        "description": product.name if product else "Serviço",
        "unit": product.unit if product else "un",
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_percent": discount_percent,
        "discount": amounts.discount,
        "tax_rate": tax_rate,
        "net": amounts.net,
        "tax": amounts.tax,
        "total": amounts.total,
    }


def add_lines(document: Quote | Order | Invoice, lines: list[tuple[Any, ...]]) -> None:
    """Give ``document`` lines ``(product, quantity, unit_price[, tax_rate])`` and store its
    totals as the services do."""
    model = {Quote: QuoteLine, Order: OrderLine, Invoice: InvoiceLine}[type(document)]
    key = {Quote: "quote", Order: "order", Invoice: "invoice"}[type(document)]
    amounts = []
    for position, line in enumerate(lines):
        product, quantity, unit_price = line[:3]
        tax_rate = Decimal(line[3]) if len(line) > 3 else Decimal("0")
        values = _line_values(
            product, Decimal(quantity), Decimal(unit_price), tax_rate, document.currency
        )
        extra: dict[str, Any] = {}
        if model is OrderLine and product is not None and product.cost is not None:
            extra["unit_cost"] = product.cost
        model.objects.create(**{key: document}, position=position, **values, **extra)
        amounts.append(
            line_amounts(
                quantity=Decimal(quantity),
                unit_price=Decimal(unit_price),
                tax_rate=tax_rate,
                currency=document.currency,
            )
        )
    totals = document_totals(amounts)
    for name in ("subtotal", "discount_total", "tax_total", "total"):
        setattr(document, name, getattr(totals, name))
    document.save()


class QuoteFactory(DjangoModelFactory):
    """A draft quote without lines (``add_lines`` gives it some)."""

    class Meta:
        model = Quote

    number = factory.Sequence(lambda n: f"ORC-2026-{n:06d}")
    party = factory.SubFactory(PartyFactory)
    currency = "BRL"
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    owner = factory.SubFactory(UserFactory, role="sales")


class OrderFactory(DjangoModelFactory):
    """A confirmed, unpaid order without lines (``add_lines`` gives it some)."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"PED-2026-{n:06d}")
    party = factory.SubFactory(PartyFactory)
    currency = "BRL"
    ordered_at = factory.LazyFunction(timezone.now)


class InvoiceFactory(DjangoModelFactory):
    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"NF-{n:06d}")
    party = factory.SubFactory(PartyFactory)
    currency = "BRL"
    issued_at = factory.LazyFunction(timezone.now)

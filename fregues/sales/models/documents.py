"""Quotes, orders and invoices: what was offered, what was bought, what was billed and paid.

Each has lines that copy the product's SKU, description, unit and tax rate at the time, so a
later change in the catalogue never rewrites a document. Totals are stored (computed by
``fregues.sales.money``) so lists and revenue reads never recompute them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import Versioned
from fregues.parties.models import Party

from .catalog import PriceList, Product
from .pipelines import Opportunity


class DocumentSequence(models.Model):
    """The last number given to a kind of document in a year ("quote", 2026 → Q-2026-000041)."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="document_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class Totals(models.Model):
    """Money columns shared by quotes, orders and invoices (all in ``currency``)."""

    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2, default=0)
    discount_total = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)
    tax_total = models.DecimalField(_("taxes"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True

    @property
    def net_total(self):  # type: ignore[no-untyped-def]
        """What was sold, without taxes: subtotal minus discounts (the revenue)."""
        return self.subtotal - self.discount_total


class Line(models.Model):
    """A document line: a product (or a free description), quantity, unit price, discount and
    the tax rate copied at the time; ``net`` = quantity × unit price − discount."""

    position = models.PositiveIntegerField(default=0)
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("tax (%)"), max_digits=6, decimal_places=3, default=0)
    tax_code = models.CharField(max_length=40, blank=True)
    net = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Quote(Versioned, Totals):
    """An offer to a customer with priced lines, valid until a date.

    Sent by e-mail as a PDF with a signed link (``access_key``, renewed at every send) that
    the customer opens without an account to accept or decline. Accepting makes an order and
    wins the linked opportunity.
    """

    number = models.CharField(_("number"), max_length=40, unique=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="quotes")
    contact = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_quotes"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms and notes"), blank=True)
    access_key = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    # When the e-mail of the current send (``access_key``) left: a repeat of the delivery
    # task for the same send finds it set and does nothing.
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(_("accepted by"), max_length=200, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["party", "status"], name="quote_party")]

    def __str__(self) -> str:
        return self.number


class QuoteLine(Line):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(Line.Meta):
        pass

    def __str__(self) -> str:
        return self.description


class OrderStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    FULFILLED = "fulfilled", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", _("Not paid")
    PARTIAL = "partial", _("Partly paid")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")


class Order(Versioned, Totals):
    """What a customer bought, usually from the ERP (``source`` + ``external_id``, upserted
    idempotently: ``content_hash`` of what was sent makes a repeat change nothing) or from an
    accepted quote. Orders move the customer's lifecycle (first paid order → buyer, ...) and
    make the revenue per customer. ``cost_total`` is known when every line has a unit cost.
    """

    number = models.CharField(_("number"), max_length=60)
    source = models.CharField(_("source"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    # no index of its own: "order_party" (party, -ordered_at) serves every lookup by party
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    quote = models.OneToOneField(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED
    )
    payment_state = models.CharField(
        _("payment"), max_length=10, choices=PaymentState.choices, default=PaymentState.UNPAID
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=14, decimal_places=2, default=0)
    cost_total = models.DecimalField(
        _("cost"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="order_external_id_once",
            )
        ]
        indexes = [
            # (PostgreSQL: covering, so segments sum and count a customer's orders from the
            # index alone; SQLite ignores ``include``)
            models.Index(
                fields=["party", "-ordered_at"],
                name="order_party",
                include=["status", "currency", "total"],
            ),
            models.Index(fields=["-ordered_at"], name="order_recent"),
            models.Index(fields=["number"], name="order_number"),
            # what changed since a watermark (the reporting store's incremental refresh)
            models.Index(fields=["updated_at"], name="order_updated"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(Line):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta(Line.Meta):
        pass  # the product's foreign key has its index (a second one slowed bulk loads)

    def __str__(self) -> str:
        return self.description


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    VOID = "void", _("Void")


class Invoice(Versioned, Totals):
    """A bill, usually from the ERP, for an order or on its own; its payment state (paid,
    partly paid, overdue past ``due_date``) is what a salesperson needs before a visit."""

    number = models.CharField(_("number"), max_length=60)
    source = models.CharField(_("source"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="invoices")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    payment_state = models.CharField(
        _("payment"), max_length=10, choices=PaymentState.choices, default=PaymentState.UNPAID
    )
    issued_at = models.DateTimeField(_("issued at"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=14, decimal_places=2, default=0)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="invoice_external_id_once",
            )
        ]
        indexes = [
            models.Index(fields=["party", "-issued_at"], name="invoice_party"),
            models.Index(fields=["order"], name="invoice_order"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(Line):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Line.Meta):
        pass

    def __str__(self) -> str:
        return self.description

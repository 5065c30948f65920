"""Sales: leads, pipelines and opportunities, activities, products and prices, quotes, orders,
invoices, and the lifecycle moved by what customers buy."""

from .activities import (
    ACTIVITY_CHANNEL,
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
)
from .catalog import Price, PriceList, Product, TaxRate
from .documents import (
    DocumentSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentState,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from .leads import Lead, LeadForm, LeadSource, LeadStatus
from .lifecycle import LifecycleRule, LifecycleRuleKind
from .payments import Payment, PaymentMethod
from .pipelines import (
    CloseKind,
    CloseReason,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
)

__all__ = [
    "ACTIVITY_CHANNEL",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "CalendarFeed",
    "CloseKind",
    "CloseReason",
    "DocumentSequence",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Lead",
    "LeadForm",
    "LeadSource",
    "LeadStatus",
    "LifecycleRule",
    "LifecycleRuleKind",
    "Opportunity",
    "OpportunityChange",
    "OpportunityStatus",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "PaymentState",
    "Pipeline",
    "PipelineStage",
    "Price",
    "PriceList",
    "Product",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "TaxRate",
]

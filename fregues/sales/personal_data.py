"""Where sales keeps data about a person: leads, deals, activities, quotes, orders, invoices
and payments.

Amounts, dates and statuses stay after erasure (revenue reports, and tax law keeps invoices);
the free text that may name or describe the person is cleared. Registered from
``SalesConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from typing import Any

from fregues.core.personal_data import (
    ANONYMISE,
    KEEP,
    personal_data_register,
    personal_data_sources,
)

_TOTALS = ("currency", "subtotal", "discount_total", "tax_total", "total")
_LINE = (
    "position",
    "sku",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "discount_percent",
    "discount",
    "tax_rate",
    "tax_code",
    "net",
    "tax",
    "total",
)


def _lines(model: str, parent: str) -> None:
    personal_data_register(
        model,
        party=(f"{parent}__party",),
        export=f"{parent}_lines",
        fields=(parent, *_LINE),
        internal=("id", "product", *(("unit_cost",) if model == "sales.OrderLine" else ())),
        erase=KEEP,
        why="what was bought, for how much: products and amounts, nothing about the person",
    )


def _unlink(model: str, field: str, *, why: str, also: dict[str, Any] | None = None) -> None:
    """Records of *another* party that name this one in ``field`` (a referral, a contact on
    an organisation's deal): erasure only removes the link (and ``also``), the rest is not
    theirs to export or erase. Classified like the main declaration of ``model``."""
    main = next(s for s in personal_data_sources() if s.model == model)
    personal_data_register(
        model,
        name=f"{model}.{field}",
        party=(field,),
        fields=(),
        internal=(*main.fields, *main.internal),
        erase=ANONYMISE,
        anonymise={field: None, **(also or {})},
        why=why,
    )


def register() -> None:
    personal_data_register(
        "sales.Lead",
        party=("party",),
        export="leads",
        fields=(
            "name",
            "company",
            "job_title",
            "email",
            "phone",
            "tax_id",
            "country",
            "city",
            "language",
            "interest",
            "message",
            "source",
            "status",
            "created_at",
        ),
        internal=(
            "id",
            "updated_at",
            "version",
            "email_normalized",
            "phone_normalized",
            "estimated_amount",
            "currency",
            "source_detail",
            "external_id",
            "form",
            "owner",
            "referred_by",
            "disqualify_reason",
            "qualified_at",
            "disqualified_at",
            "converted_at",
            "party",
            "attributes",
            "ip_address",
            "created_by",
        ),
        erase=ANONYMISE,
        anonymise=(
            "name",
            "company",
            "job_title",
            "email",
            "email_normalized",
            "phone",
            "phone_normalized",
            "tax_id",
            "city",
            "message",
            "external_id",
            "attributes",
            "ip_address",
            "source_detail",
        ),
        identifiers=("name", "email", "phone", "tax_id"),
        why="lead counts by source and status stay for the funnel report",
    )
    personal_data_register(
        "sales.Opportunity",
        party=("party",),
        export="deals",
        fields=(
            "title",
            "status",
            "amount",
            "currency",
            "expected_close_date",
            "created_at",
            "closed_at",
        ),
        internal=(
            "id",
            "updated_at",
            "version",
            "party",
            "contact",
            "pipeline",
            "stage",
            "probability",
            "owner",
            "lead",
            "source",
            "description",
            "stage_changed_at",
            "close_reason",
            "close_note",
            "created_by",
        ),
        erase=ANONYMISE,
        anonymise=("title", "description", "close_note"),
        why="amounts and stages stay for the pipeline reports",
    )
    personal_data_register(
        "sales.OpportunityChange",
        party=("opportunity__party",),
        fields=(),
        internal=(
            "id",
            "opportunity",
            "from_stage",
            "to_stage",
            "from_status",
            "to_status",
            "amount",
            "occurred_at",
            "actor",
            "note",
        ),
        erase=ANONYMISE,
        anonymise=("note",),
    )
    personal_data_register(
        "sales.Activity",
        party=("party", "opportunity__party", "lead__party", "interaction__party"),
        export="activities",
        fields=(
            "kind",
            "subject",
            "notes",
            "status",
            "due_at",
            "location",
            "channel",
            "done_at",
            "outcome",
        ),
        internal=(
            "id",
            "created_at",
            "updated_at",
            "version",
            "party",
            "opportunity",
            "lead",
            "owner",
            "all_day",
            "duration_minutes",
            "remind_at",
            "reminded_at",
            "interaction",
            "created_by",
        ),
        erase=ANONYMISE,
        anonymise=("subject", "notes", "location"),
    )
    personal_data_register(
        "sales.Quote",
        party=("party",),
        export="quotes",
        fields=(
            "id",
            "number",
            "status",
            "title",
            *_TOTALS,
            "valid_until",
            "sent_at",
            "sent_to",
            "accepted_at",
            "accepted_by",
            "declined_at",
            "decline_reason",
        ),
        internal=(
            "created_at",
            "updated_at",
            "version",
            "party",
            "contact",
            "opportunity",
            "price_list",
            "owner",
            "language",
            "terms",
            "access_key",
            "delivered_at",
            "accepted_ip",
        ),
        erase=ANONYMISE,
        anonymise=("title", "sent_to", "accepted_by", "accepted_ip", "decline_reason"),
        identifiers=("sent_to", "accepted_by"),
        why="amounts and outcomes stay for the sales reports",
    )
    personal_data_register(
        "sales.Order",
        party=("party",),
        export="orders",
        fields=(
            "id",
            "number",
            "source",
            "status",
            "payment_state",
            *_TOTALS,
            "ordered_at",
            "paid_at",
            "amount_paid",
            "notes",
        ),
        internal=(
            "created_at",
            "updated_at",
            "version",
            "external_id",
            "party",
            "quote",
            "opportunity",
            "owner",
            "cost_total",
            "content_hash",
        ),
        erase=ANONYMISE,
        anonymise=("notes",),
        why="orders stay for revenue reports and tax law, naming an anonymised customer",
    )
    personal_data_register(
        "sales.Invoice",
        party=("party",),
        export="invoices",
        fields=(
            "id",
            "number",
            "source",
            "status",
            "payment_state",
            *_TOTALS,
            "issued_at",
            "due_date",
            "paid_at",
            "amount_paid",
            "order",
        ),
        internal=("created_at", "updated_at", "version", "external_id", "party", "content_hash"),
        erase=KEEP,
        why="tax law keeps invoices; they hold amounts and numbers, the person is anonymised",
    )
    personal_data_register(
        "sales.Payment",
        party=("party", "order__party", "invoice__party"),
        export="payments",
        fields=("order", "invoice", "amount", "currency", "paid_at", "method", "reference"),
        internal=("id", "created_at", "updated_at", "party", "recorded_by"),
        erase=ANONYMISE,
        anonymise=("reference",),
    )
    _unlink("sales.Lead", "referred_by", why="another person's lead forgets who referred them")
    _unlink("sales.Opportunity", "contact", why="an organisation's deal forgets its contact")
    _unlink(
        "sales.Quote",
        "contact",
        also={"sent_to": "", "accepted_by": "", "accepted_ip": None},
        why="an organisation's quote forgets the contact it was sent to and who accepted it",
    )
    _lines("sales.QuoteLine", "quote")
    _lines("sales.OrderLine", "order")
    _lines("sales.InvoiceLine", "invoice")

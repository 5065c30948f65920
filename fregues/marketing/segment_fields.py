"""The fields a segment rule may test, as data: each field's operators, each operator's
parameters (their type, whether required, where their choices come from).

The compiler (``fregues.marketing.segments``) validates and compiles rules against this
registry; the API (``GET /api/v1/segments/fields``) and the rule builder screen read the same
registry, so what the screen offers, what the API documents and what the compiler accepts
never drift apart.

A condition is ``{"field": <code>, "op": <code>, "value": ..., <option>: ...}``: the
parameter named ``value`` is the main one, the others are options of the operator
(``days``, ``inbound``, ``case_types``, ``currency``, ``channel``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fregues.interactions.models import Channel
from fregues.parties.models import LifecycleStage, PartyKind

# value types
CHOICES = "choices"  # a list of codes among the parameter's choices
CHOICE = "choice"  # one code among the choices
STRINGS = "strings"  # a list of free strings (cities, tiers, SKUs)
INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
CURRENCY = "currency"  # ISO 4217, three letters
USER = "user"  # a user id, "me" or "none"
ITEMS = "items"  # a list of ids (int) or codes (str) of a dynamic list (tags, products)

AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, None),
]
PREFERRED_CHANNELS = [
    ("email", _("E-mail")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("phone", _("Phone")),
    ("letter", _("Letter")),
]
CONSENT_CHANNELS = [
    ("", _("Any (the whole purpose)")),
    ("email", _("E-mail")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("phone", _("Phone")),
]

# Static choice lists (validated by the compiler); the dynamic ones (tags, purposes, case
# types, products, users) are read from the database when the registry is shown, and
# checked against it when a segment is saved.
STATIC_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "stages": list(LifecycleStage.choices),
    "kinds": list(PartyKind.choices),
    "channels": list(Channel.choices),
    "preferred_channels": PREFERRED_CHANNELS,
    "consent_channels": CONSENT_CHANNELS,
    "age_bands": [(code, code) for code, _lo, _hi in AGE_BANDS],
    "languages": [(code, name) for code, name in settings.LANGUAGES],
}
DYNAMIC_CHOICES = ("tags", "purposes", "case_types", "products", "users")

MAX_DAYS = 36_500
MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_LIST = 200


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    label: Any = ""
    required: bool = True
    choices: str = ""  # a key of STATIC_CHOICES or DYNAMIC_CHOICES
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Op:
    code: str
    label: Any
    params: tuple[Param, ...] = ()


@dataclass(frozen=True)
class Field:
    code: str
    label: Any
    group: Any
    ops: tuple[Op, ...] = field(default_factory=tuple)

    def op(self, code: str) -> Op | None:
        return next((o for o in self.ops if o.code == code), None)


def _days(label: Any = None, *, required: bool = True, name: str = "days") -> Param:
    return Param(name, INTEGER, label or _("days"), required, minimum=1, maximum=MAX_DAYS)


def _in_out(choices: str, type_: str = CHOICES) -> tuple[Op, ...]:
    return (
        Op("in", _("is one of"), (Param("value", type_, choices=choices),)),
        Op("not_in", _("is none of"), (Param("value", type_, choices=choices),)),
    )


WHO = _("Who they are")
WHERE = _("Where they are")
WHAT = _("What they did")
PERMISSION = _("What they allow")

FIELDS: tuple[Field, ...] = (
    Field("lifecycle_stage", _("Lifecycle stage"), WHO, _in_out("stages")),
    Field("kind", _("Kind"), WHO, (Op("is", _("is"), (Param("value", CHOICE, choices="kinds"),)),)),
    Field(
        "tags",
        _("Tags"),
        WHO,
        (
            Op("any", _("has any of"), (Param("value", ITEMS, choices="tags"),)),
            Op("all", _("has all of"), (Param("value", ITEMS, choices="tags"),)),
            Op("none", _("has none of"), (Param("value", ITEMS, choices="tags"),)),
        ),
    ),
    Field("age_band", _("Age band"), WHO, _in_out("age_bands")),
    Field("language", _("Language"), WHO, _in_out("languages")),
    Field("tier", _("Customer tier"), WHO, _in_out("", STRINGS)),
    Field("preferred_channel", _("Preferred channel"), WHO, _in_out("preferred_channels")),
    Field(
        "owner",
        _("Relationship manager"),
        WHO,
        (
            Op("is", _("is"), (Param("value", USER, choices="users"),)),
            Op("is_not", _("is not"), (Param("value", USER, choices="users"),)),
        ),
    ),
    Field(
        "created",
        _("Customer since"),
        WHO,
        (
            Op("within", _("created within the last"), (_days(),)),
            Op("older_than", _("created more than"), (_days(),)),
        ),
    ),
    Field("city", _("City"), WHERE, _in_out("", STRINGS)),
    Field("region", _("State / region"), WHERE, _in_out("", STRINGS)),
    Field("country", _("Country"), WHERE, _in_out("", STRINGS)),
    Field(
        "last_contact",
        _("Last contact"),
        WHAT,
        (
            Op("older_than", _("more than … days ago"), (_days(name="value"),)),
            Op("within", _("within the last … days"), (_days(name="value"),)),
            Op("never", _("never")),
        ),
    ),
    Field(
        "channel_used",
        _("Channel used"),
        WHAT,
        tuple(
            Op(
                code,
                label,
                (
                    Param("value", CHOICE, choices="channels"),
                    _days(_("within the last … days"), required=False),
                    Param("inbound", BOOLEAN, _("only contacts from the customer"), False),
                ),
            )
            for code, label in (("has", _("has contacts on")), ("has_not", _("no contacts on")))
        ),
    ),
    Field(
        "open_cases",
        _("Open cases"),
        WHAT,
        tuple(
            Op(
                code,
                label,
                (
                    Param("case_types", ITEMS, _("of the types"), False, choices="case_types"),
                    _days(_("opened more than … days ago"), required=False, name="older_than"),
                ),
            )
            for code, label in (("has", _("has an open case")), ("has_none", _("has no open case")))
        ),
    ),
    Field(
        "orders",
        _("Orders"),
        WHAT,
        (
            Op(
                "count_at_least",
                _("number of orders at least"),
                (Param("value", INTEGER, minimum=1, maximum=100_000),),
            ),
            Op("within", _("ordered within the last … days"), (_days(name="value"),)),
            Op("not_within", _("no order within the last … days"), (_days(name="value"),)),
            Op("never", _("never ordered")),
            Op(
                "spent_at_least",
                _("spent at least"),
                (Param("value", DECIMAL, minimum=0), Param("currency", CURRENCY, _("currency"))),
            ),
        ),
    ),
    Field(
        "products",
        _("Products bought"),
        WHAT,
        (
            Op(
                "bought_any",
                _("bought any of"),
                (
                    Param("value", ITEMS, choices="products"),
                    _days(_("within the last … days"), required=False),
                ),
            ),
            Op(
                "never_bought",
                _("never bought any of"),
                (Param("value", ITEMS, choices="products"),),
            ),
        ),
    ),
    Field(
        "consent",
        _("Consent"),
        PERMISSION,
        tuple(
            Op(
                code,
                label,
                (
                    Param("value", CHOICE, _("purpose"), choices="purposes"),
                    Param("channel", CHOICE, _("channel"), False, choices="consent_channels"),
                ),
            )
            for code, label in (
                ("granted", _("allows")),
                ("withdrawn", _("withdrew")),
                ("no_record", _("said nothing about")),
            )
        ),
    ),
)
FIELD_MAP: dict[str, Field] = {f.code: f for f in FIELDS}


def _plain(text: Any) -> Any:
    return str(text) if isinstance(text, Promise | str) else text


def dynamic_choices(names: set[str] | None = None) -> dict[str, list[tuple[Any, str]]]:
    """The choices read from the database (one query per list): tags and products by id,
    purposes and case types by code, users by id."""
    from fregues.accounts.models import User
    from fregues.parties.models import ConsentPurpose, Tag
    from fregues.sales.models import Product
    from fregues.service.models import CaseType

    wanted = names or set(DYNAMIC_CHOICES)
    out: dict[str, list[tuple[Any, str]]] = {}
    language = "en"
    from django.utils.translation import get_language

    language = get_language() or "pt-br"
    if "tags" in wanted:
        out["tags"] = list(Tag.objects.order_by("name").values_list("pk", "name"))
    if "purposes" in wanted:
        out["purposes"] = [
            (p.code, p.label(language)) for p in ConsentPurpose.objects.filter(is_active=True)
        ]
    if "case_types" in wanted:
        out["case_types"] = [
            (c.code, c.name_en if language.startswith("en") and c.name_en else c.name)
            for c in CaseType.objects.order_by("name")
        ]
    if "products" in wanted:
        out["products"] = [
            (pk, f"{sku} {name}")
            for pk, sku, name in Product.objects.filter(is_active=True)
            .order_by("sku")
            .values_list("pk", "sku", "name")[:500]
        ]
    if "users" in wanted:
        out["users"] = [
            (u.pk, u.display_name)
            for u in User.objects.filter(is_active=True).order_by("first_name", "username")
        ]
    return out


def registry(*, with_choices: bool = True) -> dict[str, Any]:
    """The registry as JSON-ready data (labels in the active language), for the API and the
    screens: fields with their operators and parameters, and the choice lists."""
    choices: dict[str, list[dict[str, Any]]] = {
        name: [{"value": v, "label": _plain(label)} for v, label in values]
        for name, values in STATIC_CHOICES.items()
    }
    if with_choices:
        for name, values in dynamic_choices().items():
            choices[name] = [{"value": v, "label": label} for v, label in values]
    return {
        "fields": [
            {
                "code": f.code,
                "label": _plain(f.label),
                "group": _plain(f.group),
                "ops": [
                    {
                        "code": o.code,
                        "label": _plain(o.label),
                        "params": [
                            {
                                "name": p.name,
                                "type": p.type,
                                "label": _plain(p.label),
                                "required": p.required,
                                "choices": p.choices or None,
                                "minimum": p.minimum,
                                "maximum": p.maximum,
                            }
                            for p in o.params
                        ],
                    }
                    for o in f.ops
                ],
            }
            for f in FIELDS
        ],
        "choices": choices,
        "limits": {"depth": MAX_DEPTH, "conditions": MAX_CONDITIONS, "list": MAX_LIST},
    }

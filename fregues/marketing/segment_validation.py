"""Validation of segment rules against the field registry (``segment_fields``), without
touching the database (``validate``), and the check that the rows a rule names exist
(``check_references``, a few queries, for the saving service). The compiler is
``fregues.marketing.segments``, which re-exports these."""

from __future__ import annotations

import decimal
from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector
from fregues.parties.models import ConsentPurpose

from .segment_fields import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    CURRENCY,
    DECIMAL,
    FIELD_MAP,
    INTEGER,
    ITEMS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LIST,
    STATIC_CHOICES,
    STRINGS,
    USER,
    Param,
)

GROUPS = ("all", "any", "not")
MAX_PARTY_IDS = 50_000  # a static list of customers (see ``_Checker.party_ids``)

# ---------------------------------------------------------------- validation


class _Checker:
    def __init__(self) -> None:
        self.errors = ErrorCollector()
        self.conditions = 0

    def node(self, node: Any, path: str, depth: int) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            self.errors.add(path, _("Expected a group or a condition."))
            return None
        if depth > MAX_DEPTH:
            self.errors.add(path, _("Groups nest at most %(n)s levels deep.") % {"n": MAX_DEPTH})
            return None
        if "party_ids" in node:
            return self.party_ids(node, path)
        groups = [k for k in GROUPS if k in node]
        if groups:
            if len(node) != 1:
                self.errors.add(path, _("A group has exactly one key: all, any or not."))
                return None
            key = groups[0]
            if key == "not":
                inner = self.node(node["not"], f"{path}.not", depth + 1)
                return None if inner is None else {"not": inner}
            items = node[key]
            if not isinstance(items, list):
                self.errors.add(f"{path}.{key}", _("Expected a list of conditions."))
                return None
            cleaned = [
                self.node(item, f"{path}.{key}.{i}", depth + 1) for i, item in enumerate(items)
            ]
            return {key: [c for c in cleaned if c is not None]}
        if "field" in node:
            return self.condition(node, path)
        self.errors.add(path, _("Expected a group (all, any, not) or a condition (field, op)."))
        return None

    def party_ids(self, node: dict[str, Any], path: str) -> dict[str, Any] | None:
        """A static list of customers (a cell of the analytics pivot, a list handed over by
        an integrator): ``{"party_ids": [ids]}``, as a whole tree or inside a group."""
        ids = node["party_ids"]
        if len(node) != 1 or not isinstance(ids, list):
            self.errors.add(path, _('A list of customers is {"party_ids": [ids]} alone.'))
            return None
        if len(ids) > MAX_PARTY_IDS:
            self.errors.add(path, _("At most %(n)s customers in a list.") % {"n": MAX_PARTY_IDS})
            return None
        if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
            self.errors.add(f"{path}.party_ids", _("Expected a list of customer ids."))
            return None
        return {"party_ids": sorted(set(ids))}

    def condition(self, node: dict[str, Any], path: str) -> dict[str, Any] | None:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.errors.add(
                path, _("A segment has at most %(n)s conditions.") % {"n": MAX_CONDITIONS}
            )
        spec = FIELD_MAP.get(str(node.get("field")))
        if spec is None:
            self.errors.add(f"{path}.field", _("Unknown field: %(f)s.") % {"f": node.get("field")})
            return None
        op = spec.op(str(node.get("op")))
        if op is None:
            self.errors.add(
                f"{path}.op",
                _("Unknown operator %(op)s for %(field)s; use one of: %(ops)s.")
                % {
                    "op": node.get("op"),
                    "field": spec.code,
                    "ops": ", ".join(o.code for o in spec.ops),
                },
            )
            return None
        known = {"field", "op", *(p.name for p in op.params)}
        for extra in sorted(set(node) - known):
            self.errors.add(f"{path}.{extra}", _("Not a parameter of this operator."))
        out: dict[str, Any] = {"field": spec.code, "op": op.code}
        for param in op.params:
            raw = node.get(param.name)
            if raw is None or raw == "" or raw == []:
                if param.required:
                    self.errors.add(f"{path}.{param.name}", _("This value is required."))
                continue
            value = _clean(param, raw, f"{path}.{param.name}", self.errors)
            if value is not None:
                out[param.name] = value
        return out


def _clean(param: Param, raw: Any, path: str, errors: ErrorCollector) -> Any:
    """One parameter's value, cleaned, or None (with an error) when it is not acceptable."""
    kind = param.type
    if kind == INTEGER:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            errors.add(path, _("Expected a whole number."))
            return None
        try:
            number = int(raw)
        except ValueError:
            errors.add(path, _("Expected a whole number."))
            return None
        low, high = param.minimum, param.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            errors.add(
                path, _("Expected a number from %(lo)s to %(hi)s.") % {"lo": low, "hi": high}
            )
            return None
        return number
    if kind == DECIMAL:
        try:
            amount = decimal.Decimal(str(raw))
        except decimal.InvalidOperation:
            errors.add(path, _("Expected an amount."))
            return None
        if not amount.is_finite() or amount < 0 or amount > 10**12:
            errors.add(path, _("Expected an amount of 0 or more."))
            return None
        return str(amount.quantize(decimal.Decimal("0.01")))
    if kind == BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "1", "on", 1):
            return True
        if raw in ("false", "0", "off", 0):
            return False
        errors.add(path, _("Expected true or false."))
        return None
    if kind == CURRENCY:
        code = str(raw).strip().upper()
        if len(code) != 3 or not code.isalpha():
            errors.add(path, _("Expected a three-letter currency code (ISO 4217)."))
            return None
        return code
    if kind == USER:
        if raw in ("me", "none"):
            return raw
        try:
            return int(raw)
        except (TypeError, ValueError):
            errors.add(path, _('Expected a user id, "me" or "none".'))
            return None
    if kind == CHOICE:
        allowed = STATIC_CHOICES.get(param.choices)
        code = str(raw)
        if allowed is not None and code not in {c for c, _l in allowed}:
            errors.add(path, _("Not one of the choices: %(v)s.") % {"v": code})
            return None
        return code
    # lists: CHOICES, STRINGS, ITEMS
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_LIST:
        errors.add(path, _("At most %(n)s values.") % {"n": MAX_LIST})
        return None
    cleaned: list[Any] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str) or str(item).strip() == "":
            errors.add(path, _("Expected a list of codes or ids."))
            return None
        value: Any = item.strip() if isinstance(item, str) else item
        if kind == ITEMS and isinstance(value, str) and value.isdigit():
            value = int(value)
        if kind == CHOICES:
            allowed = STATIC_CHOICES.get(param.choices, [])
            value = str(value)
            if value not in {c for c, _l in allowed}:
                errors.add(path, _("Not one of the choices: %(v)s.") % {"v": value})
                return None
        if kind == STRINGS:
            value = str(value)[:200]
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def validate(rules: Any, path: str = "rules") -> dict[str, Any]:
    """The rules, cleaned, or ``Invalid`` with every faulty path. An empty tree (``{}`` or
    ``{"all": []}``) is valid: everyone who is not merged."""
    if rules in (None, {}):
        return {"all": []}
    checker = _Checker()
    cleaned = checker.node(rules, path, 1)
    checker.errors.raise_if_any(_("The segment's rules are not valid."))
    assert cleaned is not None
    return cleaned


def conditions_of(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Every condition of a (valid) tree, in order."""
    if "field" in rules:
        return [rules]
    if "not" in rules:
        return conditions_of(rules["not"])
    return [c for key in ("all", "any") for item in rules.get(key, []) for c in conditions_of(item)]


def check_references(rules: dict[str, Any], path: str = "rules") -> None:
    """``Invalid`` when a (valid) tree names a purpose, case type, tag, product or user that
    does not exist. At most one query per kind of reference used."""
    from fregues.accounts.models import User
    from fregues.parties.models import Tag
    from fregues.sales.models import Product
    from fregues.service.models import CaseType

    wanted: dict[str, set[Any]] = {}
    for cond in conditions_of(rules):
        field = cond["field"]
        value: Any = cond.get("value")
        if field == "consent":
            wanted.setdefault("purposes", set()).add(value)
        elif field == "open_cases" and cond.get("case_types"):
            wanted.setdefault("case_types", set()).update(cond["case_types"])
        elif field == "tags":
            wanted.setdefault("tags", set()).update(v for v in value if isinstance(v, int))
        elif field == "products":
            wanted.setdefault("products", set()).update(v for v in value if isinstance(v, int))
        elif field == "owner" and isinstance(value, int):
            wanted.setdefault("users", set()).add(value)
    found: dict[str, set[Any]] = {}
    lookups = {
        "purposes": lambda v: ConsentPurpose.objects.filter(code__in=v).values_list(
            "code", flat=True
        ),
        "case_types": lambda v: CaseType.objects.filter(code__in=v).values_list("code", flat=True),
        "tags": lambda v: Tag.objects.filter(pk__in=v).values_list("pk", flat=True),
        "products": lambda v: Product.objects.filter(pk__in=v).values_list("pk", flat=True),
        "users": lambda v: User.objects.filter(pk__in=v).values_list("pk", flat=True),
    }
    for kind, values in wanted.items():
        found[kind] = set(lookups[kind](values)) if values else set()
    missing = {
        kind: values - found[kind] for kind, values in wanted.items() if values - found[kind]
    }
    if not missing:
        return
    errors = ErrorCollector()
    _mark_missing(rules, path, missing, errors)
    errors.raise_if_any(_("The segment's rules name records that do not exist."))


def _mark_missing(
    node: dict[str, Any], path: str, missing: dict[str, set[Any]], errors: ErrorCollector
) -> None:
    if "not" in node:
        _mark_missing(node["not"], f"{path}.not", missing, errors)
        return
    for key in ("all", "any"):
        for i, item in enumerate(node.get(key, [])):
            _mark_missing(item, f"{path}.{key}.{i}", missing, errors)
    if "field" not in node:
        return
    field = node["field"]
    kind, param = {
        "consent": ("purposes", "value"),
        "open_cases": ("case_types", "case_types"),
        "tags": ("tags", "value"),
        "products": ("products", "value"),
        "owner": ("users", "value"),
    }.get(field, ("", ""))
    values = node.get(param)
    values = values if isinstance(values, list) else [values]
    gone = [v for v in values if v in missing.get(kind, set())]
    if gone:
        errors.add(
            f"{path}.{param}",
            _("Does not exist: %(v)s.") % {"v": ", ".join(str(v) for v in gone)},
        )

"""Which customer an ERP order or invoice is for, from the identifiers the ERP sends.

The ERP names its customer by its own code (the party's ``ExternalId`` of the same source), a
tax id (CPF, CNPJ, NIF) and/or an e-mail, in that order of strength: the first that matches a
customer decides. Values are normalised with ``fregues.parties.normalize`` and a merged party
resolves to its survivor. Nobody is created: an order for a customer Freguês does not know is
refused (the ERP sends the customer first, or an identifier Freguês knows).

``customers_find`` answers a whole import batch with three queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fregues.core.bulk import any_of, fetch_pairs
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.text import digits
from fregues.parties.models import Party
from fregues.parties.normalize import normalize_email
from fregues.parties.selectors import party_survivor_id


@dataclass(frozen=True)
class CustomerKeys:
    """The ways a document names its customer, normalised (empty: not given)."""

    party_id: int | None = None
    external_id: str = ""
    tax_ids: tuple[str, ...] = ()
    tax_id_given: str = ""
    email: str = ""
    email_given: str = ""

    def __bool__(self) -> bool:
        return bool(self.party_id or self.external_id or self.tax_ids or self.email)

    def fingerprint(self) -> str:
        return "|".join(
            [str(self.party_id or ""), self.external_id, ",".join(self.tax_ids), self.email]
        )

    def tried(self, source: str) -> dict[str, str]:
        """What was tried, for the "unknown customer" answer."""
        out: dict[str, str] = {}
        if self.party_id:
            out["party_id"] = str(self.party_id)
        if self.external_id:
            out["external_id"] = f"{source}:{self.external_id}"
        if self.tax_id_given:
            out["tax_id"] = self.tax_id_given
        if self.email_given:
            out["email"] = self.email_given
        return out


def tax_id_keys(raw: str) -> tuple[str, ...]:
    """The forms a tax id may be stored in: CPF/CNPJ/NIF compact (digits), or as given."""
    text = (raw or "").strip().upper()
    if not text:
        return ()
    keys: list[str] = []
    for prefix in ("BR", "PT"):
        if text.startswith(prefix) and digits(text[2:]) == text[2:].replace(" ", ""):
            text = text[2:].strip()
    compact = digits(text)
    if compact and len(compact) >= 5:
        keys.append(compact)
    plain = "".join(text.split())[:40]
    if plain and plain not in keys:
        keys.append(plain)
    return tuple(keys)


def customer_keys(raw: Any, party_id: Any = None) -> CustomerKeys:
    """``{"external_id", "tax_id", "email"}`` (any of them) as normalised keys. A malformed
    e-mail is not an error here: it simply matches nobody (the answer says it was tried)."""
    raw = raw if isinstance(raw, Mapping) else {}
    pid = raw.get("party_id", party_id)
    email_given = str(raw.get("email") or "").strip()
    email = ""
    if email_given:
        try:
            email = normalize_email(email_given)
        except Invalid:
            email = ""
    tax_given = str(raw.get("tax_id") or "").strip()
    return CustomerKeys(
        party_id=int(pid) if str(pid or "").isdigit() else None,
        external_id=str(raw.get("external_id") or "").strip()[:120],
        tax_ids=tax_id_keys(tax_given),
        tax_id_given=tax_given,
        email=email,
        email_given=email_given,
    )


def customers_find(source: str, keys: Iterable[CustomerKeys]) -> dict[CustomerKeys, int]:
    """The live party for each set of keys that matches one (at most four queries, each with
    one array parameter however many keys)."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    by_code: dict[str, int] = {}
    by_tax: dict[str, int] = {}
    by_email: dict[str, int] = {}
    by_id: dict[int, int] = {}
    merged: dict[int, int] = {}
    ids = {k.party_id for k in keys if k.party_id}
    if ids:
        where, params = any_of("id", ids)
        for pk, into in fetch_pairs(
            f"SELECT id, merged_into_id FROM parties_party WHERE {where}", params
        ):
            by_id[pk] = pk
            if into:
                merged[pk] = into
    codes = {k.external_id for k in keys if k.external_id}
    if codes:
        where, params = any_of("e.code", codes)
        for code, pid, into in fetch_pairs(  # type: ignore[misc]
            "SELECT e.code, e.party_id, p.merged_into_id FROM parties_externalid e "
            f"JOIN parties_party p ON p.id = e.party_id WHERE e.source = %s AND {where}",
            [source, *params],
        ):
            by_code[code] = pid
            if into:
                merged[pid] = into
    taxes = {
        t for k in keys if not k.external_id or k.external_id not in by_code for t in k.tax_ids
    }
    if taxes:
        # tax_id <> '' lets the planner use the partial index on tax ids
        where, params = any_of("tax_id", taxes)
        for tax, pid in fetch_pairs(
            "SELECT tax_id, id FROM parties_party WHERE tax_id <> '' AND merged_into_id IS NULL "
            f"AND {where} ORDER BY id DESC",
            params,
        ):
            by_tax[tax] = pid  # the oldest customer wins when two hold the same tax id
    emails = {
        k.email
        for k in keys
        if k.email and k.external_id not in by_code and not any(t in by_tax for t in k.tax_ids)
    }
    if emails:
        where, params = any_of("c.normalized", emails)
        for email, pid, into in fetch_pairs(  # type: ignore[misc]
            "SELECT c.normalized, c.party_id, p.merged_into_id FROM parties_contactpoint c "
            "JOIN parties_party p ON p.id = c.party_id "
            f"WHERE c.kind = 'email' AND c.network = '' AND {where}",
            params,
        ):
            by_email[email] = pid
            if into:
                merged[pid] = into
    found: dict[CustomerKeys, int] = {}
    for k in keys:
        pid = None
        if k.party_id:
            pid = by_id.get(k.party_id)
        elif k.external_id and k.external_id in by_code:
            pid = by_code[k.external_id]
        else:
            pid = next((by_tax[t] for t in k.tax_ids if t in by_tax), None)
            if pid is None and k.email:
                pid = by_email.get(k.email)
        if pid is not None:
            found[k] = pid
    _follow_merges(found, merged)
    return found


def _follow_merges(found: dict[CustomerKeys, int], merged: dict[int, int]) -> None:
    """Replace a merged party by its survivor (rare: a merge moves codes and e-mails along,
    and tax ids are read from live parties only)."""
    if not merged:
        return
    survivors = {pk: party_survivor_id(pk) for pk in {p for p in found.values() if p in merged}}
    for key, pid in found.items():
        if pid in survivors:
            found[key] = survivors[pid]


def unknown_customer_message(keys: CustomerKeys, source: str) -> str:
    tried = keys.tried(source)
    if not tried:
        return _(
            "Say who the customer is: their code in %(source)s (customer.external_id), tax id "
            "or e-mail."
        ) % {"source": source or "the ERP"}
    names = {
        "party_id": _("Freguês id"),
        "external_id": _("code"),
        "tax_id": _("tax id"),
        "email": _("e-mail"),
    }
    return _(
        "No customer matches %(tried)s. Send the customer first (or an identifier Freguês knows)."
    ) % {"tried": ", ".join(f"{names[k]} '{v}'" for k, v in tried.items())}


def customer_resolve(
    keys: CustomerKeys, source: str, errors: ErrorCollector, field: str = "customer"
) -> Party | None:
    """The live party ``keys`` name, or an error on ``field`` saying what was tried."""
    pid = customers_find(source, [keys]).get(keys)
    if pid is None:
        errors.add(field, unknown_customer_message(keys, source))
        return None
    return Party.objects.get(pk=pid)

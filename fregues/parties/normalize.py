"""Normalising and validating what identifies a party: e-mails, phones, handles, tax ids.

Each ``normalize_*`` returns the canonical form used for storage and lookup, or raises
``Invalid`` with a message for the field. Each ``*_match_key`` returns a looser key used only to
*suggest* duplicates (gmail dots, Brazilian mobiles with and without the ninth digit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email
from stdnum.br import cnpj as br_cnpj
from stdnum.br import cpf as br_cpf
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pt import nif as pt_nif

from fregues.core.errors import Invalid
from fregues.core.text import digits

SOCIAL_NETWORKS = ["facebook", "x", "linkedin", "instagram", "whatsapp", "telegram"]
_NETWORK_ALIASES = {"twitter": "x", "fb": "facebook", "ig": "instagram", "wa": "whatsapp"}
_HANDLE_RE = re.compile(r"^[\w.\-]{1,100}$", re.UNICODE)
_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


# The everyday address (ASCII dot-atom local part, plain LDH domain labels, alphabetic TLD):
# accepted exactly as email-validator would, without its cost (~60 µs → ~2 µs; a bulk import
# validates a million of them). Anything else goes through email-validator itself. A hypothesis
# test holds the two to the same answers.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SIMPLE_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}", re.ASCII)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _simple_email(raw: str) -> str | None:
    """The normalised address when ``raw`` is an everyday one email-validator accepts as is."""
    lowered = raw.lower()
    if len(raw) > 254 or not raw.isascii() or not _SIMPLE_EMAIL.fullmatch(lowered):
        return None
    local, _sep, domain = lowered.rpartition("@")
    if len(local) > 64 or "--" in domain or ".." in raw:
        return None  # punycode labels and the like: let email-validator decide
    tld = domain.rsplit(".", 1)[-1]
    if tld in _SPECIAL_USE or any(domain.endswith("." + s) for s in _SPECIAL_USE):
        return None
    return lowered


def normalize_email(value: str, field: str = "value") -> str:
    """``"  Joao.Silva@Example.COM "`` → ``"joao.silva@example.com"``; rejects bad addresses."""
    raw = (value or "").strip()
    if not raw:
        raise Invalid.field(field, _("An e-mail address is required."), code="invalid_email")
    simple = _simple_email(raw)
    if simple is not None:
        return simple
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid.field(
            field,
            _("'%(value)s' is not a valid e-mail address: %(reason)s")
            % {"value": raw, "reason": exc},
            code="invalid_email",
        ) from exc
    return result.normalized.lower()


def email_match_key(normalized: str) -> str:
    """A looser key: no ``+tag``; no dots in the local part of gmail addresses."""
    local, _sep, domain = normalized.partition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


@dataclass(frozen=True)
class Phone:
    e164: str
    display: str
    is_mobile: bool
    region: str | None


_PHONE_CHARS = re.compile(r"[0-9 ()+.\-]+")
_br = phonenumbers.PhoneMetadata.metadata_for_region("BR")
assert _br is not None
_BR_METADATA: phonenumbers.PhoneMetadata = _br
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)
_FIXED_TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, *_MOBILE_TYPES)


def _br_phone(raw: str, region: str) -> Phone | None:
    """A Brazilian mobile or landline written the everyday way, read with phonenumbers' own
    metadata but without its general parser (~95 µs → ~8 µs, for bulk imports).

    Only "(11) 98765-4321", "11 3456-7890", "+55 11 98765-4321", "5511987654321" and the like:
    a 10- or 11-digit national number with its area code. None sends everything else (trunk
    and carrier prefixes, other countries, extensions) through the full parser. A hypothesis
    test holds both paths to the same answers.
    """
    if not _PHONE_CHARS.fullmatch(raw):
        return None
    number = digits(raw)
    if raw.startswith("+"):
        if not number.startswith("55"):
            return None
        number = number[2:]
    elif raw.startswith("00") or region != "BR":
        return None
    elif len(number) > 11 and number.startswith("55"):
        number = number[2:]
    if len(number) not in (10, 11) or number[0] == "0" or "+" in raw[1:]:
        return None
    helper = phonenumbers.phonenumberutil._number_type_helper
    kind = helper(number, _BR_METADATA)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN and len(number) == 10 and number[2] in "6789":
        current = number[:2] + "9" + number[2:]  # the old 8-digit mobile, see _with_ninth_digit
        if helper(current, _BR_METADATA) == phonenumbers.PhoneNumberType.MOBILE:
            number, kind = current, phonenumbers.PhoneNumberType.MOBILE
    if kind not in _FIXED_TYPES:
        return None
    local = number[2:]
    return Phone(
        e164="+55" + number,
        display=f"+55 {number[:2]} {local[:-4]}-{local[-4:]}",
        is_mobile=kind in _MOBILE_TYPES,
        region="BR",
    )


def parse_phone(value: str, region: str | None = None, field: str = "value") -> Phone:
    """Any written form of a phone number → E.164, using the default region when local."""
    raw = (value or "").strip()
    if not raw:
        raise Invalid.field(field, _("A phone number is required."), code="invalid_phone")
    region = (region or settings.DEFAULT_PHONE_REGION or "BR").upper()
    quick = _br_phone(raw, region)
    if quick is not None:
        return quick
    candidate = raw
    if raw.startswith("00"):
        candidate = "+" + raw[2:]
    elif not raw.startswith("+") and len(digits(raw)) > 11 and digits(raw)[:2] in {"55", "35"}:
        candidate = "+" + digits(raw)  # "5511987654321" written without the plus
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        raise Invalid.field(
            field, _("'%(value)s' is not a phone number.") % {"value": raw}, code="invalid_phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        number = _with_ninth_digit(number) or number
    if not phonenumbers.is_valid_number(number):
        raise Invalid.field(
            field,
            _("'%(value)s' is not a valid phone number.") % {"value": raw},
            code="invalid_phone",
        )
    number_type = phonenumbers.number_type(number)
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        is_mobile=number_type
        in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE),
        region=phonenumbers.region_code_for_number(number),
    )


def _with_ninth_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """A Brazilian mobile written the old way, before it gained its ninth digit (2012-2016):
    "(11) 8765-4321" is today's +55 11 98765-4321. None when it is not one."""
    national = str(number.national_number)
    if number.country_code != 55 or len(national) != 10 or national[2] not in "6789":
        return None
    current = phonenumbers.PhoneNumber(
        country_code=55, national_number=int(national[:2] + "9" + national[2:])
    )
    if phonenumbers.number_type(current) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return current


def normalize_phone(value: str, region: str | None = None, field: str = "value") -> str:
    return parse_phone(value, region, field).e164


def try_phone(value: str, region: str | None = None) -> str | None:
    """E.164 when ``value`` reads as a valid phone number, else None (never raises)."""
    try:
        return normalize_phone(value, region)
    except Invalid:
        return None


def phone_match_key(e164: str) -> str:
    """Brazilian mobiles gained a leading 9 in 2012-2016: +55 11 8765-4321 ≈ +55 11 98765-4321.

    Only numbers that existed before (9 then 6-9) lose it: +55 11 93000-1234 is not the
    landline +55 11 3000-1234.
    """
    if e164.startswith("+55") and len(e164) == 14 and e164[5] == "9" and e164[6] in "6789":
        return e164[:5] + e164[6:]
    return e164


def normalize_network(value: str, field: str = "network") -> str:
    network = (value or "").strip().lower()
    network = _NETWORK_ALIASES.get(network, network)
    if network not in SOCIAL_NETWORKS:
        raise Invalid.field(
            field,
            _("Unknown network '%(value)s'. Choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(SOCIAL_NETWORKS)},
            code="invalid_network",
        )
    return network


def normalize_handle(network: str, value: str, field: str = "value") -> str:
    """A social handle without '@' or profile URL, lower-case; WhatsApp handles are phones."""
    raw = (value or "").strip()
    if network == "whatsapp":
        return normalize_phone(raw, field=field)
    if network == "telegram" and digits(raw) and len(digits(raw)) >= 8 and not raw.isalpha():
        phone = try_phone(raw)
        if phone:
            return phone
    handle = raw
    if "/" in handle:  # a profile URL: keep its last path part
        handle = [part for part in handle.split("?")[0].split("/") if part][-1]
    handle = handle.lstrip("@").strip().lower()
    if not handle or not _HANDLE_RE.match(handle):
        raise Invalid.field(
            field, _("'%(value)s' is not a valid handle.") % {"value": raw}, code="invalid_handle"
        )
    return handle


TAX_ID_KINDS = ["cpf", "cnpj", "nif", "other"]
_TAX_ID_CHARS = re.compile(r"[0-9][0-9. /-]*")


def _check_digit(numbers: str, weights: range | list[int]) -> str:
    total = sum(int(d) * w for d, w in zip(numbers, weights, strict=True)) % 11
    return "0" if total < 2 else str(11 - total)


def _br_tax_id_valid(compact: str) -> bool:
    """The CPF/CNPJ check digits (the same arithmetic as python-stdnum, ~2 µs instead of ~20)."""
    if len(set(compact)) == 1:
        return False
    if len(compact) == 11:
        first = _check_digit(compact[:9], range(10, 1, -1))
        return compact[9:] == first + _check_digit(compact[:9] + first, range(11, 1, -1))
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _check_digit(compact[:12], weights)
    return compact[12:] == first + _check_digit(compact[:12] + first, [6, *weights])


def normalize_tax_id(value: str, country: str, kind: str, field: str = "tax_id") -> tuple[str, str]:
    """Validate a tax id for its country; returns ``(compact value, kind)``.

    BR: CPF for people, CNPJ for organisations (checksums verified). PT: NIF (checksum).
    Elsewhere the id is stored as given, trimmed.
    """
    raw = (value or "").strip()
    if not raw:
        return "", ""
    country = (country or "").upper()
    if country == "BR" and _TAX_ID_CHARS.fullmatch(raw):
        compact = digits(raw)
        quick_kind = "cnpj" if len(compact) == 14 or kind == "organization" else "cpf"
        if len(compact) == (14 if quick_kind == "cnpj" else 11) and _br_tax_id_valid(compact):
            return compact, quick_kind
    if country == "BR":
        module, tax_kind = (br_cnpj, "cnpj") if kind == "organization" else (br_cpf, "cpf")
        if len(digits(raw)) == 14 and kind != "organization":
            module, tax_kind = br_cnpj, "cnpj"
        try:
            compact = module.validate(raw)
            if len(set(compact)) == 1:  # 111.111.111-11 passes the checksum but is no CPF
                raise StdnumError()
            return compact, tax_kind
        except StdnumError as exc:
            label = tax_kind.upper()
            raise Invalid.field(
                field,
                _("'%(value)s' is not a valid %(label)s.") % {"value": raw, "label": label},
                code=f"invalid_{tax_kind}",
            ) from exc
    if country == "PT":
        try:
            return pt_nif.validate(raw), "nif"
        except StdnumError as exc:
            raise Invalid.field(
                field, _("'%(value)s' is not a valid NIF.") % {"value": raw}, code="invalid_nif"
            ) from exc
    return raw[:40], "other"


def format_tax_id(value: str, kind: str) -> str:
    if kind == "cpf":
        return br_cpf.format(value)
    if kind == "cnpj":
        return br_cnpj.format(value)
    return value

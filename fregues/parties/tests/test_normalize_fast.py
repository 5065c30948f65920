"""The fast paths of normalisation give the libraries' answers, only sooner.

A bulk import validates a million e-mails, phones and tax ids; ``normalize.py`` answers the
everyday forms itself and sends the rest to email-validator, phonenumbers and python-stdnum.
These properties hold the two to the same results wherever the fast path answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.br import cnpj, cpf

from fregues.core.errors import Invalid
from fregues.parties import normalize

LOCAL = st.text(alphabet="abcXYZ019._-+'!#~", min_size=1, max_size=70)
LABEL = st.text(alphabet="abc-019XN", min_size=1, max_size=12)
TLD = st.sampled_from(["com", "br", "pt", "COM", "test", "local", "c", "x1", "museum", "xn--p1ai"])


@settings(max_examples=600, deadline=None)
@given(local=LOCAL, labels=st.lists(LABEL, min_size=1, max_size=3), tld=TLD)
def test_everyday_emails_agree_with_email_validator(
    local: str, labels: list[str], tld: str
) -> None:
    address = f"{local}@{'.'.join(labels)}.{tld}"
    fast = normalize._simple_email(address)
    if fast is None:
        return  # the library decides
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        pytest.fail(f"fast path accepted {address!r}, email-validator refuses it")
    assert fast == expected


FORMS = [
    "({a}) {p}-{q}",
    "{a} {p}-{q}",
    "+55 {a} {p} {q}",
    "55{a}{p}{q}",
    "{a}{p}{q}",
    "+55 ({a}) {p}-{q}",
    "0{a} {p}-{q}",
    "+55.{a}.{p}.{q}",
    "{a}-{p}-{q}",
]


def _library_phone(raw: str) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalize, "_br_phone", lambda _raw, _region: None)
        try:
            return normalize.parse_phone(raw, "BR")
        except Invalid:
            return None


@settings(max_examples=800, deadline=None)
@given(
    area=st.integers(10, 99),
    prefix=st.one_of(st.integers(1000, 9999), st.integers(10000, 99999)),
    suffix=st.integers(0, 9999),
    form=st.sampled_from(FORMS),
)
def test_brazilian_phones_agree_with_phonenumbers(
    area: int, prefix: int, suffix: int, form: str
) -> None:
    raw = form.format(a=area, p=prefix, q=f"{suffix:04d}")
    fast = normalize._br_phone(raw, "BR")
    if fast is None:
        return
    assert fast == _library_phone(raw)


def test_the_fast_paths_cover_the_everyday_forms() -> None:
    assert normalize._simple_email("Joao.Silva@Example.COM") == "joao.silva@example.com"
    assert normalize._br_phone("(11) 98765-4321", "BR") is not None
    assert normalize._br_phone("(11) 8765-4321", "BR").e164 == "+5511987654321"  # type: ignore[union-attr]
    assert normalize._br_phone("11 3456-7890", "BR").is_mobile is False  # type: ignore[union-attr]
    assert normalize._br_phone("+351 912 345 678", "BR") is None  # Portugal: the library


@settings(max_examples=600, deadline=None)
@given(
    body=st.text(alphabet="0123456789", min_size=9, max_size=12),
    valid=st.booleans(),
    formatted=st.booleans(),
    kind=st.sampled_from(["person", "organization"]),
)
def test_cpf_and_cnpj_agree_with_stdnum(body: str, valid: bool, formatted: bool, kind: str) -> None:
    module = cpf if len(body) == 9 else cnpj
    if len(body) not in (9, 12):
        return
    number = (
        body
        + (module._calc_check_digits(body) if module is cpf else module.calc_check_digits(body))
        if valid
        else body + "00"
    )  # type: ignore[attr-defined]
    text = module.format(number) if formatted else number

    def answer(fast: bool) -> Any:
        original = normalize._TAX_ID_CHARS
        if not fast:
            normalize._TAX_ID_CHARS = normalize.re.compile(r"(?!)")
        try:
            return normalize.normalize_tax_id(text, "BR", kind)
        except Invalid as exc:
            return exc.code
        finally:
            normalize._TAX_ID_CHARS = original

    assert answer(True) == answer(False)

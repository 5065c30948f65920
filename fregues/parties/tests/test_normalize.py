"""What identifies a party is validated and stored in one canonical form."""

from __future__ import annotations

import pytest

from fregues.core.errors import Invalid
from fregues.core.text import digits, fold
from fregues.parties.normalize import (
    email_match_key,
    format_tax_id,
    normalize_email,
    normalize_handle,
    normalize_network,
    normalize_phone,
    normalize_tax_id,
    phone_match_key,
    try_phone,
)


@pytest.mark.parametrize(
    "written",
    [
        "(11) 98765-4321",
        "11 98765-4321",
        "11987654321",
        "011 98765-4321",
        "011987654321",
        "+55 11 98765-4321",
        "+55 (11) 9 8765-4321",
        "+5511987654321",
        "5511987654321",
        "55 11 98765 4321",
        "0055 11 98765 4321",
        "  (11)98765-4321  ",
        "(11) 8765-4321",
        "+55 11 8765-4321",
        "011 8765 4321",
    ],
)
def test_a_brazilian_mobile_in_any_written_form_is_one_e164_number(written: str) -> None:
    assert normalize_phone(written) == "+5511987654321"


@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [
        ("(11) 3000-1234", None, "+551130001234"),
        ("(21) 2222-3333", None, "+552122223333"),
        ("+351 912 345 678", None, "+351912345678"),
        ("351 912 345 678", None, "+351912345678"),
        ("912 345 678", "PT", "+351912345678"),
        ("21 123 4567", "PT", "+351211234567"),
        ("+1 (202) 555-0143", None, "+12025550143"),
    ],
)
def test_landlines_and_foreign_numbers_normalise_too(
    written: str, region: str | None, e164: str
) -> None:
    assert normalize_phone(written, region) == e164


@pytest.mark.parametrize(
    "bad", ["", "   ", "abc", "123", "98765", "(11) 1234", "+55 11 98765-4321 ramal 2", "++55"]
)
def test_what_is_not_a_phone_number_is_refused_with_a_field_error(bad: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_phone(bad, field="phone")
    assert caught.value.status == 422
    assert caught.value.code == "invalid_phone"
    assert list(caught.value.errors) == ["phone"]
    assert try_phone(bad) is None


def test_the_default_region_is_brazil(settings) -> None:  # type: ignore[no-untyped-def]
    assert normalize_phone("(11) 98765-4321") == "+5511987654321"
    settings.DEFAULT_PHONE_REGION = "PT"
    assert normalize_phone("912 345 678") == "+351912345678"


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("Joao.Silva@Example.COM", "joao.silva@example.com"),
        ("  ana@EMPRESA.com.br ", "ana@empresa.com.br"),
        ("MARIA+newsletter@Gmail.com", "maria+newsletter@gmail.com"),
        ("conceição@exemplo.pt", "conceição@exemplo.pt"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(written: str, normalized: str) -> None:
    assert normalize_email(written) == normalized


@pytest.mark.parametrize(
    "bad",
    ["", "joao", "joao@", "@exemplo.com", "joao@exemplo", "joao silva@exemplo.com", "a@@b.com"],
)
def test_bad_emails_are_refused(bad: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_email(bad, field="email")
    assert caught.value.code == "invalid_email"
    assert caught.value.errors["email"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("joao.silva@gmail.com", "joaosilva@gmail.com"),
        ("joao.silva+loja@gmail.com", "joaosilva@googlemail.com"),
        ("ana+promo@empresa.com.br", "ana@empresa.com.br"),
    ],
)
def test_loose_email_keys_see_through_gmail_dots_and_plus_tags(a: str, b: str) -> None:
    assert email_match_key(normalize_email(a)) == email_match_key(normalize_email(b))


def test_loose_email_keys_keep_dots_outside_gmail() -> None:
    assert email_match_key("joao.silva@empresa.com.br") != email_match_key(
        "joaosilva@empresa.com.br"
    )


def test_loose_phone_key_matches_a_mobile_with_and_without_the_ninth_digit() -> None:
    assert phone_match_key("+5511987654321") == "+551187654321"
    assert phone_match_key("+351912345678") == "+351912345678"


def test_loose_phone_key_never_turns_a_mobile_into_a_landline() -> None:
    assert phone_match_key("+5511930001234") != phone_match_key("+551130001234")


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("(11) 3000-1234", "+551130001234"),
        ("(11) 5000-1234", "+551150001234"),
        ("(21) 2222-3333", "+552122223333"),
    ],
)
def test_an_eight_digit_landline_is_not_taken_for_an_old_mobile(written: str, e164: str) -> None:
    assert normalize_phone(written) == e164


@pytest.mark.parametrize(
    ("network", "written", "handle"),
    [
        ("x", "@JoaoSilva", "joaosilva"),
        ("x", "https://x.com/JoaoSilva", "joaosilva"),
        ("instagram", "https://www.instagram.com/joao.silva/", "joao.silva"),
        ("linkedin", "https://www.linkedin.com/in/joao-silva?trk=public", "joao-silva"),
        ("facebook", "facebook.com/joao.silva.123", "joao.silva.123"),
        ("telegram", "@joao_s", "joao_s"),
        ("telegram", "+55 11 98765-4321", "+5511987654321"),
        ("whatsapp", "(11) 98765-4321", "+5511987654321"),
        ("whatsapp", "+351 912 345 678", "+351912345678"),
    ],
)
def test_handles_are_stored_bare_and_lower_case_per_network(
    network: str, written: str, handle: str
) -> None:
    assert normalize_handle(network, written) == handle


@pytest.mark.parametrize(
    ("network", "bad"), [("x", ""), ("x", "@"), ("facebook", "joão silva"), ("whatsapp", "joao")]
)
def test_bad_handles_are_refused(network: str, bad: str) -> None:
    with pytest.raises(Invalid):
        normalize_handle(network, bad)


@pytest.mark.parametrize(
    ("written", "network"),
    [
        ("X", "x"),
        ("twitter", "x"),
        ("Instagram", "instagram"),
        ("wa", "whatsapp"),
        ("fb", "facebook"),
    ],
)
def test_network_names_and_aliases(written: str, network: str) -> None:
    assert normalize_network(written) == network


def test_an_unknown_network_lists_the_known_ones() -> None:
    with pytest.raises(Invalid) as caught:
        normalize_network("orkut")
    assert "linkedin" in caught.value.errors["network"][0]


@pytest.mark.parametrize(
    ("written", "country", "kind", "compact", "tax_kind"),
    [
        ("123.456.789-09", "BR", "person", "12345678909", "cpf"),
        ("12345678909", "BR", "person", "12345678909", "cpf"),
        (" 123 456 789 09 ", "BR", "person", "12345678909", "cpf"),
        ("11.222.333/0001-81", "BR", "organization", "11222333000181", "cnpj"),
        ("11222333000181", "BR", "organization", "11222333000181", "cnpj"),
        ("11.222.333/0001-81", "BR", "person", "11222333000181", "cnpj"),
        ("123 456 789", "PT", "person", "123456789", "nif"),
        ("PT123456789", "PT", "person", "123456789", "nif"),
        ("501964843", "pt", "organization", "501964843", "nif"),
        ("X-123", "US", "person", "X-123", "other"),
        ("", "BR", "person", "", ""),
    ],
)
def test_tax_ids_are_validated_per_country_and_stored_compact(
    written: str, country: str, kind: str, compact: str, tax_kind: str
) -> None:
    assert normalize_tax_id(written, country, kind) == (compact, tax_kind)


@pytest.mark.parametrize(
    ("written", "country", "kind", "code"),
    [
        ("123.456.789-00", "BR", "person", "invalid_cpf"),
        ("111.111.111-11", "BR", "person", "invalid_cpf"),
        ("000.000.000-00", "BR", "person", "invalid_cpf"),
        ("1234", "BR", "person", "invalid_cpf"),
        ("11.222.333/0001-00", "BR", "organization", "invalid_cnpj"),
        ("123456780", "PT", "person", "invalid_nif"),
    ],
)
def test_bad_tax_ids_are_refused(written: str, country: str, kind: str, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalize_tax_id(written, country, kind)
    assert caught.value.code == code
    assert caught.value.errors["tax_id"]


def test_tax_ids_are_shown_with_their_punctuation() -> None:
    assert format_tax_id("12345678909", "cpf") == "123.456.789-09"
    assert format_tax_id("11222333000181", "cnpj") == "11.222.333/0001-81"
    assert format_tax_id("123456789", "nif") == "123456789"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("João", "joao"),
        ("  JOSÉ   da  Conceição ", "jose da conceicao"),
        ("D'Ávila", "d'avila"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_ignores_accents_case_and_spacing(text: str | None, folded: str) -> None:
    assert fold(text) == folded


def test_digits_keeps_only_digits() -> None:
    assert digits("(11) 98765-4321") == "11987654321"
    assert digits(None) == ""

"""Helpers of the /api/v1/parties tests: João, a customer with a bit of everything (a CPF, an
e-mail, a phone, a social handle, an address, a tag and an ERP id), and ``create`` to post him
with some fields changed."""

from __future__ import annotations

from typing import Any

JOAO = {
    "kind": "person",
    "name": "João da Silva",
    "tax_id": "123.456.789-09",
    "birth_date": "1980-05-17",
    "contact_points": [
        {"kind": "email", "value": "  Joao.Silva@Example.COM "},
        {"kind": "phone", "value": "(11) 98765-4321"},
        {"kind": "social", "network": "Instagram", "value": "https://instagram.com/JoaoSilva/"},
        {
            "kind": "address",
            "street": "Rua Augusta",
            "number": "1500",
            "city": "São Paulo",
            "region": "SP",
            "postal_code": "01304-001",
            "country": "br",
        },
    ],
    "tags": ["VIP"],
    "external_ids": [{"source": "ERP", "code": "C-001"}],
}


def create(api: Any, **overrides: Any) -> dict[str, Any]:
    response = api.post("/parties", {**JOAO, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()

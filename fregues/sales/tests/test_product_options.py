"""A product's customisation options: what customers may ask to customise in the portal,
typed on the product form or sent through the API, checked whole."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.sales.models import Product
from fregues.sales.services.product_options import options_as_text, options_from_text

pytestmark = pytest.mark.django_db


def test_options_through_the_api(api_as: Any) -> None:
    admin = api_as("admin")
    created = admin.post(
        "/products",
        {
            "sku": "CAN-01",
            "name": "Caneca",
            "customisation_options": [
                {"label": "Colour", "kind": "choice", "choices": ["Blue", "Red"], "required": True},
                {"label": "Engraving", "kind": "text"},
            ],
        },
    )
    assert created.status_code == 201
    options = created.json()["customisation_options"]
    assert [(o["label"], o["kind"], o["choices"]) for o in options] == [
        ("Colour", "choice", ["Blue", "Red"]),
        ("Engraving", "text", []),
    ]
    pid = created.json()["id"]
    bad = admin.patch(
        f"/products/{pid}",
        {
            "customisation_options": [
                {"label": "Size", "kind": "choice", "choices": ["M"]},
                {"label": "", "kind": "colour"},
            ]
        },
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {
        "customisation_options.0.choices",
        "customisation_options.1.label",
        "customisation_options.1.kind",
    }
    cleared = admin.patch(f"/products/{pid}", {"customisation_options": []})
    assert cleared.status_code == 200 and cleared.json()["customisation_options"] == []


def test_options_on_the_staff_product_form(make_user: Any) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.cookies["django_language"] = "en"  # the screens speak pt-BR unless one picks
    client.force_login(make_user("admin"))
    page = client.get("/sales/products/new/").content.decode()
    assert 'for="id_customisation_options"' in page
    saved = client.post(
        "/sales/products/new/",
        {
            "sku": "CAN-02",
            "name": "Caneca",
            "unit": "un",
            "customisation_options": "Colour*: Blue | Red\nEngraving",
        },
    )
    assert saved.status_code == 302
    product = Product.objects.get(sku="CAN-02")
    assert product.customisation_options == [
        {"label": "Colour", "kind": "choice", "choices": ["Blue", "Red"], "required": True},
        {"label": "Engraving", "kind": "text", "choices": [], "required": False},
    ]
    assert options_from_text(options_as_text(product.customisation_options)) == (
        product.customisation_options
    )
    edit = client.get(f"/sales/products/{product.pk}/").content.decode()
    assert "Colour*: Blue | Red" in edit

    wrong = client.post(
        "/sales/products/new/",
        {"sku": "CAN-03", "name": "Caneca", "unit": "un", "customisation_options": "Size: M"},
    )
    assert wrong.status_code == 422 and "at least two choices" in wrong.content.decode()

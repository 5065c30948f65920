"""Helpers of the customer-service tests of the API and of the screens: a case opened through
/api/v1 (the ``case`` fixture in ``conftest.py`` is one), and a signed-in browser with the page
it got back."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fregues.parties.models import Party
from fregues.service.models import Case

HX = {"HX-Request": "true"}


def opened(api: Any, party: Party, **body: Any) -> Any:
    body.setdefault("case_type", "technical-assistance")
    body.setdefault("subject", "Máquina de lavar não liga")
    return api.post("/cases", {"party_id": party.pk, **body})


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def reload(case: Case) -> Case:
    return Case.objects.select_related("status", "assignee").get(pk=case.pk)

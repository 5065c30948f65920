"""The segment screens: list, builder (add / remove / field change), live count, preview,
save with version, snapshot, and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fregues.marketing.models import Segment
from fregues.marketing.tests.factories import SegmentFactory
from fregues.parties.tests.factories import PartyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

HTMX = {"HX-Request": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def builder_form(**extra: Any) -> dict[str, Any]:
    """A form with the root group (all) holding one stage condition."""
    return {
        "node": ["0", "0.0"],
        "kind.0": "all",
        "kind.0.0": "cond",
        "field.0.0": "lifecycle_stage",
        "op.0.0": "in",
        "value.0.0": ["client"],
        **extra,
    }


def test_list_shows_segments(marketer: Any) -> None:
    SegmentFactory(name="Clientes de SP", last_count=12, owner=marketer)
    page = client_for(marketer).get(reverse("marketing:segments"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Clientes de SP" in html and "12" in html and "New segment" in html


def test_agents_and_quality_managers_are_refused(make_user: Any) -> None:
    segment = SegmentFactory()
    for role in ("agent", "quality_manager"):
        client = client_for(make_user(role))
        assert client.get(reverse("marketing:segments")).status_code == 403
        assert client.get(reverse("marketing:segment_detail", args=[segment.pk])).status_code == 403
    seller = client_for(make_user("sales"))
    page = seller.get(reverse("marketing:segment_detail", args=[segment.pk]))
    assert page.status_code == 200 and "save-segment" not in page.content.decode()
    assert seller.get(reverse("marketing:segment_new")).status_code == 403


def test_live_count_and_preview(marketer: Any) -> None:
    PartyFactory(lifecycle_stage="client", name="Ana Cliente")
    PartyFactory(lifecycle_stage="prospect")
    client = client_for(marketer)
    count = client.post(reverse("marketing:segment_count"), builder_form(), headers=HTMX)
    assert 'data-count="1"' in count.content.decode()
    preview = client.post(reverse("marketing:segment_preview"), builder_form(), headers=HTMX)
    assert "Ana Cliente" in preview.content.decode()
    incomplete = builder_form(**{"field.0.0": "last_contact", "op.0.0": "within"})
    count = client.post(reverse("marketing:segment_count"), incomplete, headers=HTMX)
    assert "Complete the conditions" in count.content.decode()


def test_builder_adds_and_removes_and_follows_the_field(marketer: Any) -> None:
    client = client_for(marketer)
    url = reverse("marketing:segment_builder")
    added = client.post(url, builder_form(action="group:0"), headers=HTMX).content.decode()
    assert 'name="node" value="0.1"' in added and 'name="node" value="0.1.0"' in added
    assert 'hx-swap-oob="true"' in added  # the count comes along
    removed = client.post(url, builder_form(action="remove:0.0"), headers=HTMX).content.decode()
    assert 'value="0.0"' not in removed
    switched = client.post(
        url, builder_form(**{"field.0.0": "orders", "op.0.0": "in"}), headers=HTMX
    ).content.decode()
    assert 'value="count_at_least" selected' in switched
    # without JavaScript the same buttons answer the whole page
    page = client.post(url, builder_form(action="add:0"))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_save_new_then_edit_with_version(marketer: Any) -> None:
    client = client_for(marketer)
    answer = client.post(reverse("marketing:segment_new"), builder_form(name="Clientes"))
    segment = Segment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("marketing:segment_detail", args=[segment.pk])
    assert segment.rules == {"all": [{"field": "lifecycle_stage", "op": "in", "value": ["client"]}]}
    page = client.get(answer["Location"]).content.decode()
    assert 'value="client" selected' in page
    url = reverse("marketing:segment_detail", args=[segment.pk])
    stale = client.post(url, builder_form(name="Outro", version="0"))
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    ok = client.post(url, builder_form(name="Outro", version="1"))
    assert ok.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "Outro" and segment.version == 2


def test_errors_land_on_the_condition_and_nothing_is_saved(marketer: Any) -> None:
    client = client_for(marketer)
    form = builder_form(name="", **{"field.0.0": "last_contact", "op.0.0": "within"})
    del form["value.0.0"]
    answer = client.post(reverse("marketing:segment_new"), form)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert html.count("Give the segment a name.") == 1
    condition = html.split('data-path="0.0"')[1]
    assert "This value is required." in condition
    assert not Segment.objects.exists()


def test_snapshot_button(marketer: Any) -> None:
    PartyFactory(lifecycle_stage="client")
    segment = SegmentFactory(
        rules={"all": [{"field": "lifecycle_stage", "op": "in", "value": ["client"]}]}
    )
    client = client_for(marketer)
    answer = client.post(
        reverse("marketing:segment_snapshot", args=[segment.pk]), {"snapshot_name": "Natal"}
    )
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "Natal" in page and "1 customer" in page

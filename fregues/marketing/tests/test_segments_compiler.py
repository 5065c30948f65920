"""The rule compiler: each field selects exactly the customers it should, merged customers
never, in one query; bad rules answer every faulty path."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.core.errors import Invalid
from fregues.interactions.tests.factories import InteractionFactory
from fregues.marketing.segments import check_references, members_queryset, validate
from fregues.marketing.services.segments import segment_count
from fregues.parties.models import ConsentPurpose, ConsentRecord
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory, TagFactory
from fregues.sales.tests.factories import OrderFactory, ProductFactory, add_lines
from fregues.service.tests.factories_cases import CaseFactory, case_type

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

NOW = timezone.now()


def ids(rules: dict[str, Any], **kwargs: Any) -> set[int]:
    return set(members_queryset(rules, **kwargs).values_list("id", flat=True))


def one(field: str, op: str, value: Any = None, **options: Any) -> dict[str, Any]:
    cond = {"field": field, "op": op, **options}
    if value is not None:
        cond["value"] = value
    return {"all": [cond]}


def born(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def test_party_attributes() -> None:
    client = PartyFactory(lifecycle_stage="client", language="pt-br", country="BR", tier="gold")
    buyer = PartyFactory(lifecycle_stage="buyer", language="en", country="PT", tier="")
    org = PartyFactory(kind="organization", lifecycle_stage="prospect", preferred_channel="sms")
    merged = PartyFactory(lifecycle_stage="client", merged_into=client)
    assert ids(one("lifecycle_stage", "in", ["client", "buyer"])) == {client.pk, buyer.pk}
    assert ids(one("lifecycle_stage", "not_in", ["client", "buyer"])) == {org.pk}
    assert ids(one("language", "in", ["en"])) == {buyer.pk}
    assert ids(one("country", "in", ["pt"])) == {buyer.pk}
    assert ids(one("tier", "in", ["gold"])) == {client.pk}
    assert ids(one("kind", "is", "organization")) == {org.pk}
    assert ids(one("preferred_channel", "in", ["sms"])) == {org.pk}
    assert merged.pk not in ids({})
    assert ids({}) == {client.pk, buyer.pk, org.pk}


def test_age_bands_use_birth_date_bounds() -> None:
    just_18 = PartyFactory(birth_date=born(18))
    almost_25 = PartyFactory(birth_date=born(25, -1))  # 25 tomorrow: still 24
    turned_25 = PartyFactory(birth_date=born(25))
    old = PartyFactory(birth_date=born(70))
    unknown = PartyFactory(birth_date=None)
    assert ids(one("age_band", "in", ["18-24"])) == {just_18.pk, almost_25.pk}
    assert ids(one("age_band", "in", ["25-34", "65+"])) == {turned_25.pk, old.pk}
    assert ids(one("age_band", "not_in", ["18-24"])) == {turned_25.pk, old.pk}
    assert unknown.pk not in ids(one("age_band", "not_in", ["18-24"]))


def test_tags_any_all_none() -> None:
    vip, press = TagFactory(name="VIP"), TagFactory(name="Imprensa")
    both, only_vip, none = PartyFactory(), PartyFactory(), PartyFactory()
    both.tags.add(vip, press)
    only_vip.tags.add(vip)
    assert ids(one("tags", "any", [vip.pk, press.pk])) == {both.pk, only_vip.pk}
    assert ids(one("tags", "all", [vip.pk, press.pk])) == {both.pk}
    assert ids(one("tags", "none", [press.pk])) == {only_vip.pk, none.pk}
    assert ids(one("tags", "any", ["Imprensa"])) == {both.pk}


def test_city_and_region_from_addresses() -> None:
    sp = PartyFactory()
    ContactPointFactory(party=sp, kind="address", city="São Paulo", region="SP")
    rio = PartyFactory()
    ContactPointFactory(party=rio, kind="address", city="Rio de Janeiro", region="RJ")
    nowhere = PartyFactory()
    assert ids(one("city", "in", ["são paulo"])) == {sp.pk}
    assert ids(one("region", "in", ["RJ", "MG"])) == {rio.pk}
    assert ids(one("city", "not_in", ["São Paulo"])) == {rio.pk, nowhere.pk}


def test_owner_me_none_and_id(make_user: Any) -> None:
    me, other = make_user("marketing"), make_user("sales")
    mine, theirs, nobody = PartyFactory(owner=me), PartyFactory(owner=other), PartyFactory()
    assert ids(one("owner", "is", "me"), user_id=me.pk) == {mine.pk}
    assert ids(one("owner", "is", "none")) == {nobody.pk}
    assert ids(one("owner", "is", other.pk)) == {theirs.pk}
    assert ids(one("owner", "is_not", other.pk)) == {mine.pk, nobody.pk}


def test_created_within() -> None:
    new, old = PartyFactory(), PartyFactory()
    type(old).objects.filter(pk=old.pk).update(created_at=NOW - datetime.timedelta(days=400))
    assert ids(one("created", "within", days=30)) == {new.pk}
    assert ids(one("created", "older_than", days=365)) == {old.pk}


def test_last_contact_and_channel_used() -> None:
    recent, stale, never = PartyFactory(), PartyFactory(), PartyFactory()
    InteractionFactory(party=recent, channel="email", direction="in", occurred_at=NOW)
    InteractionFactory(
        party=stale, channel="phone", direction="out", occurred_at=NOW - datetime.timedelta(400)
    )
    campaign = PartyFactory()  # only ever got a campaign e-mail: never contacted
    InteractionFactory(
        party=campaign,
        channel="email",
        direction="out",
        occurred_at=NOW,
        regarding_type="marketing.campaign",
        regarding_id=1,
    )
    never_ids = {never.pk, campaign.pk}
    assert ids(one("last_contact", "within", 30)) == {recent.pk}
    assert ids(one("last_contact", "older_than", 365)) == {stale.pk}
    assert ids(one("last_contact", "never")) == never_ids
    assert ids(one("channel_used", "has", "phone")) == {stale.pk}
    assert ids(one("channel_used", "has", "phone", days=30)) == set()
    assert ids(one("channel_used", "has", "email", inbound=True)) == {recent.pk}
    assert ids(one("channel_used", "has", "phone", inbound=True)) == set()
    assert ids(one("channel_used", "has_not", "email")) == {stale.pk} | never_ids


def test_open_cases_by_type_and_age() -> None:
    fresh, old, closed, licence = (PartyFactory() for _ in range(4))
    CaseFactory(party=fresh)
    aged = CaseFactory(party=old)
    type(aged).objects.filter(pk=aged.pk).update(created_at=NOW - datetime.timedelta(days=40))
    CaseFactory(party=closed, is_open=False)
    other_type = case_type("licence-request")
    CaseFactory(
        party=licence,
        case_type=other_type,
        status=other_type.circuit.statuses.get(is_initial=True),
    )
    assert ids(one("open_cases", "has")) == {fresh.pk, old.pk, licence.pk}
    assert ids(one("open_cases", "has", case_types=["technical-assistance"])) == {
        fresh.pk,
        old.pk,
    }
    assert ids(one("open_cases", "has", older_than=30)) == {old.pk}
    assert ids(one("open_cases", "has_none")) == {closed.pk}


def test_orders_and_products() -> None:
    freezer = ProductFactory(sku="FRZ-1")
    stove = ProductFactory(sku="STV-1")
    loyal, lapsed, cancelled, never = (PartyFactory() for _ in range(4))
    for days in (1, 100, 200):
        order = OrderFactory(party=loyal, ordered_at=NOW - datetime.timedelta(days=days))
        add_lines(order, [(freezer, 1, "1000.00")])
    old = OrderFactory(party=lapsed, ordered_at=NOW - datetime.timedelta(days=500))
    add_lines(old, [(stove, 2, "300.00")])
    gone = OrderFactory(party=cancelled, status="cancelled")
    add_lines(gone, [(freezer, 1, "5000.00")])
    assert ids(one("orders", "count_at_least", 3)) == {loyal.pk}
    assert ids(one("orders", "count_at_least", 1)) == {loyal.pk, lapsed.pk}
    assert ids(one("orders", "within", 30)) == {loyal.pk}
    assert ids(one("orders", "not_within", 365)) == {lapsed.pk, cancelled.pk, never.pk}
    assert ids(one("orders", "never")) == {cancelled.pk, never.pk}
    assert ids(one("orders", "spent_at_least", "600", currency="BRL")) == {loyal.pk, lapsed.pk}
    assert ids(one("orders", "spent_at_least", "1000", currency="brl")) == {loyal.pk}
    assert ids(one("orders", "spent_at_least", "1", currency="EUR")) == set()
    assert ids(one("products", "bought_any", [freezer.pk])) == {loyal.pk}
    assert ids(one("products", "bought_any", ["STV-1"])) == {lapsed.pk}
    assert ids(one("products", "bought_any", ["STV-1"], days=180)) == set()
    assert ids(one("products", "never_bought", [freezer.pk])) == {lapsed.pk, cancelled.pk, never.pk}


def _consent(party: Any, code: str, granted: bool, days_ago: int, channel: str = "") -> None:
    ConsentRecord.objects.create(
        party=party,
        purpose=ConsentPurpose.objects.get(code=code),
        channel=channel,
        granted=granted,
        occurred_at=NOW - datetime.timedelta(days=days_ago),
        source="form",
    )


def test_consent_uses_the_latest_record_covering_the_channel() -> None:
    granted, withdrew, regranted, silent, email_only = (PartyFactory() for _ in range(5))
    _consent(granted, "marketing_email", True, 10)
    _consent(withdrew, "marketing_email", True, 10)
    _consent(withdrew, "marketing_email", False, 5)
    _consent(regranted, "marketing_email", False, 10)
    _consent(regranted, "marketing_email", True, 1, channel="email")
    _consent(email_only, "marketing_messages", True, 3, channel="sms")
    email = {"value": "marketing_email", "channel": "email"}
    assert ids(one("consent", "granted", **email)) == {granted.pk, regranted.pk}
    assert ids(one("consent", "withdrawn", **email)) == {withdrew.pk}
    assert ids(one("consent", "no_record", **email)) == {silent.pk, email_only.pk}
    # a whole-purpose question ignores a record for one channel
    assert ids(one("consent", "granted", "marketing_messages")) == set()
    assert ids(one("consent", "granted", "marketing_messages", channel="sms")) == {email_only.pk}
    # under a non-consent lawful basis, no record means allowed
    everyone = {granted.pk, withdrew.pk, regranted.pk, silent.pk, email_only.pk}
    assert ids(one("consent", "granted", "service_notices")) == everyone
    _consent(silent, "service_notices", False, 1)
    assert ids(one("consent", "granted", "service_notices")) == everyone - {silent.pk}
    # ANDed with other conditions the condition compiles to another shape: same members,
    # alone or negated
    anyone = {"field": "kind", "op": "is", "value": "person"}
    for purpose, channel in (("marketing_email", "email"), ("service_notices", "")):
        for op in ("granted", "withdrawn", "no_record"):
            cond = {"field": "consent", "op": op, "value": purpose, "channel": channel}
            alone = ids({"all": [cond]})
            assert ids({"all": [anyone, cond]}) == alone, (purpose, op)
            assert ids({"all": [anyone, {"not": cond}]}) == everyone - alone, (purpose, op)


def test_groups_any_and_not() -> None:
    a = PartyFactory(lifecycle_stage="client", language="en")
    b = PartyFactory(lifecycle_stage="buyer", language="pt-br")
    c = PartyFactory(lifecycle_stage="prospect", language="en")
    rules = {
        "all": [
            {"any": [one("lifecycle_stage", "in", ["client"]), one("language", "in", ["en"])]},
            {"not": one("lifecycle_stage", "in", ["prospect"])},
        ]
    }
    assert ids(rules) == {a.pk}
    assert ids({"any": []}) == {a.pk, b.pk, c.pk}


def test_count_is_one_query(data_queries: Any, marketer: Any) -> None:
    PartyFactory(lifecycle_stage="client")
    rules = {
        "all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["client"]},
            {"field": "city", "op": "in", "value": ["São Paulo"]},
            {"field": "consent", "op": "granted", "value": "marketing_email", "channel": "email"},
            {"not": {"field": "open_cases", "op": "has"}},
            {"field": "orders", "op": "count_at_least", "value": 2},
            {"field": "products", "op": "bought_any", "value": ["FRZ-1"], "days": 180},
            {"field": "last_contact", "op": "older_than", "value": 365},
            {"field": "tags", "op": "all", "value": [1, 2]},
            {"field": "owner", "op": "is", "value": "me"},
        ]
    }
    with data_queries(1):
        assert segment_count(actor=marketer, rules=rules) == 0


def test_validation_names_every_faulty_path() -> None:
    rules = {
        "all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["client"]},
            {"field": "lifecycle_stage", "op": "in", "value": ["millionaire"]},
            {"field": "shoe_size", "op": "in", "value": [42]},
            {"any": [{"field": "orders", "op": "within", "value": "soon"}]},
            {"field": "city", "op": "near"},
            {"field": "orders", "op": "spent_at_least", "value": "10"},
            {"nope": []},
        ]
    }
    with pytest.raises(Invalid) as caught:
        validate(rules)
    assert set(caught.value.errors) == {
        "rules.all.1.value",
        "rules.all.2.field",
        "rules.all.3.any.0.value",
        "rules.all.4.op",
        "rules.all.5.currency",
        "rules.all.6",
    }


def test_limits_on_depth_and_size() -> None:
    deep: dict[str, Any] = one("kind", "is", "person")
    for _ in range(6):
        deep = {"not": deep}
    with pytest.raises(Invalid) as caught:
        validate(deep)
    assert any("levels" in m for ms in caught.value.errors.values() for m in ms)
    many = {"all": [{"field": "kind", "op": "is", "value": "person"}] * 51}
    with pytest.raises(Invalid) as caught:
        validate(many)
    assert "rules.all.50" in caught.value.errors


def test_references_must_exist() -> None:
    rules = validate(
        {
            "all": [
                {"field": "consent", "op": "granted", "value": "telepathy"},
                {"field": "open_cases", "op": "has", "case_types": ["technical-assistance", "x"]},
                {"field": "tags", "op": "any", "value": [999999]},
            ]
        }
    )
    with pytest.raises(Invalid) as caught:
        check_references(rules)
    assert set(caught.value.errors) == {
        "rules.all.0.value",
        "rules.all.1.case_types",
        "rules.all.2.value",
    }
    check_references(validate(one("consent", "granted", "marketing_email")))


def test_spent_amount_is_a_decimal() -> None:
    assert validate(one("orders", "spent_at_least", 10, currency="brl"))["all"][0] == {
        "field": "orders",
        "op": "spent_at_least",
        "value": str(Decimal("10.00")),
        "currency": "BRL",
    }

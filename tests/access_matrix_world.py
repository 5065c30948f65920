"""One small world for the access matrix walk: a user per role and one record of each kind, so
that every URL pattern with an id resolves to something real.

The interaction bodies and the deal and order amounts carry unique markers: the walk fails when
a marketer's response contains one (marketing never reads bodies, and sees amounts only in
aggregate). Ids the world does not build resolve to ``MISSING`` (the route then answers 404 for
everyone, which the matrix says).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fregues.accounts.tests.factories import TeamFactory, UserFactory
from fregues.core.permissions import ROLES
from fregues.integrations.tests.factories_messaging import TwilioProviderFactory
from fregues.integrations.tests.factories_telephony import CallFactory
from fregues.integrations.tests.factories_webhooks import WebhookSubscriptionFactory
from fregues.interactions.tests.factories import InteractionFactory
from fregues.marketing.tests.factories import CampaignFactory, CampaignMessageFactory
from fregues.parties.tests.factories import (
    AffiliationFactory,
    ContactPointFactory,
    NoteFactory,
    OrganizationFactory,
    PartyFactory,
)
from fregues.sales.tests.factories import (
    ActivityFactory,
    CloseReasonFactory,
    InvoiceFactory,
    LeadFactory,
    LeadFormFactory,
    OpportunityFactory,
    OrderFactory,
    PriceListFactory,
    ProductFactory,
    QuoteFactory,
    TaxRateFactory,
    add_lines,
)
from fregues.service.tests.factories import ArticleFactory
from fregues.service.tests.factories_cases import CaseFactory, QueueFactory

MISSING = 999_999
# Unique strings a marketer must never read: an interaction's body and one record's amounts
# (the world has two orders and two deals, so no aggregate equals one of them).
BODY_MARKER = "Corpo-sigiloso-Q7X2"
AMOUNT_MARKERS = ("91357", "91.357", "91,357", "82461", "82.461", "82,461")


@dataclass
class World:
    users: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    """Users of every role and one of each record, owned by the world's relationship manager
    and salesperson, with the case in the agent's queue."""
    users = {role: UserFactory(role=role, username=f"matrix-{role}") for role in ROLES}
    team = TeamFactory(name="Matrix team")
    team.members.add(users["agent"], users["relationship_manager"])
    party = PartyFactory(name="Matriz Cliente", owner=users["relationship_manager"])
    other = PartyFactory(name="Outra Cliente")
    organization = OrganizationFactory(name="Matriz Organização")
    point = ContactPointFactory(party=party, kind="email", value="matriz@example.com")
    affiliation = AffiliationFactory(person=party, organization=organization)
    NoteFactory(party=party, author=users["agent"])
    interaction = InteractionFactory(party=party, agent=users["agent"], body=BODY_MARKER)
    queue = QueueFactory(agents=[users["agent"]])
    case = CaseFactory(party=party, queue=queue, assignee=users["agent"])
    article = ArticleFactory(is_public=True)
    call = CallFactory(party=party)
    subscription = WebhookSubscriptionFactory()
    provider = TwilioProviderFactory()
    product = ProductFactory()
    deal = OpportunityFactory(party=party, owner=users["sales"], amount=Decimal("91357.13"))
    OpportunityFactory(party=other, owner=users["sales"], amount=Decimal("82461.29"))
    reason = CloseReasonFactory()
    lead = LeadFactory()
    form = LeadFormFactory()
    activity = ActivityFactory(party=party, owner=users["sales"])
    price_list = PriceListFactory()
    tax_rate = TaxRateFactory()
    quote = QuoteFactory(party=party, owner=users["sales"])
    add_lines(quote, [(product, 1, "91357.13")])
    order = OrderFactory(party=party)
    add_lines(order, [(product, 1, "91357.13")])
    add_lines(OrderFactory(party=other), [(product, 1, "82461.29")])
    invoice = InvoiceFactory(party=party)
    campaign = CampaignFactory()
    CampaignMessageFactory(campaign=campaign)

    from fregues.parties.models import Suppression
    from fregues.sales.models import LifecycleRule
    from fregues.sales.services.quote_links import quote_token

    suppression = Suppression.objects.create(
        kind="email", address="bloqueado@example.com", reason="staff"
    )
    rule = LifecycleRule.objects.order_by("pk").first()
    ids: dict[str, Any] = {
        "party_id": party.pk,
        "party_a_id": party.pk,
        "party_b_id": other.pk,
        "pk": MISSING,
        "point_id": point.pk,
        "link_id": affiliation.pk,
        "affiliation_id": affiliation.pk,
        "interaction_id": interaction.pk,
        "protocol": case.protocol,
        "queue_id": queue.pk,
        "article_id": article.pk,
        "ref": article.pk,
        "slug": article.slug,
        "call_id": call.pk,
        "subscription_id": subscription.pk,
        "provider_id": provider.pk,
        "product_id": product.pk,
        "deal_id": deal.pk,
        "opportunity_id": deal.pk,
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "reason_id": reason.pk,
        "lead_id": lead.pk,
        "form_id": form.pk,
        "code": form.code,
        "activity_id": activity.pk,
        "price_list_id": price_list.pk,
        "tax_rate_id": tax_rate.pk,
        "quote_id": quote.pk,
        "key": quote_token(quote),
        "order_id": order.pk,
        "number": order.number,
        "invoice_id": invoice.pk,
        "segment_id": campaign.segment_id,
        "campaign_id": campaign.pk,
        "suppression_id": suppression.pk,
        "rule_id": rule.pk if rule else MISSING,
        "purpose": "marketing_email",
        "user_id": users["sales"].pk,
        "external_id": "MATRIX-1",
        "kind": "channels",
        "token": "not-a-valid-token",
        "action": "poll",
    }
    return World(users=users, ids=ids)


def resolve(name: str, path: str, world: World) -> Any:
    """The value of the path parameter ``name`` in ``path``."""
    if name == "code" and "purposes" in path:
        return "marketing_email"
    if name == "code" and "widgets" in path:
        return "kpis"
    if name == "number" and "invoices" in path:
        return MISSING
    if name == "number" and "quotes" in path:
        return MISSING
    return world.ids.get(name, MISSING)

"""Where analytics keeps data about a person: the customer's row in the reporting store
(their dimensions, measures and scores — profiling, so it is exported with their data).

Registered from ``AnalyticsConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from fregues.core.personal_data import DELETE, KEEP, personal_data_register

SCORES = (
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "clv",
    "p_alive",
    "expected_orders_year",
    "churn_risk",
    "churn_reasons",
    "quadrant",
    "unprofitable_reasons",
    "refreshed_at",
)


def register() -> None:
    from .models import CustomerFact

    every = {f.name for f in CustomerFact._meta.get_fields() if f.concrete}
    personal_data_register(
        "analytics.CustomerFact",
        party=("party",),
        export="analytics_scores",
        fields=SCORES,
        internal=tuple(sorted(every - set(SCORES))),
        erase=DELETE,
        why="derived from the customer's records; the next refresh skips erased customers",
    )
    _register_pivot()
    _register_service_and_retention()


def _register_pivot() -> None:
    # The pivot's facts: the customer's orders and contacts summed per month, derived from
    # records exported by their own apps (nothing new to hand over); erased with the person.
    from .models import InteractionFact, OrderFact

    for model in (OrderFact, InteractionFact):
        columns = {f.name for f in model._meta.get_fields() if f.concrete}
        personal_data_register(
            f"analytics.{model.__name__}",
            party=("party_id",),
            export=None,
            fields=(),
            internal=tuple(sorted(columns)),
            erase=DELETE,
            why="monthly sums of the customer's orders and contacts, exported by sales and "
            "interactions; the next refresh rebuilds what is left",
        )


def _register_service_and_retention() -> None:
    """The service and retention facts hold ids, dates, stages and counts derived from records
    that erasure keeps (cases, orders and lifecycle moves stay, anonymised, for the reports):
    nothing in them names the person, so they stay too and are not exported (the customer
    gets the source records themselves)."""
    from .models import CaseFact, LifecycleSpell, PartyMonthActivity

    for model, party in (
        (CaseFact, ("party", "case__party")),
        (PartyMonthActivity, ("party",)),
        (LifecycleSpell, ("party",)),
    ):
        every = tuple(sorted(f.name for f in model._meta.get_fields() if f.concrete))
        personal_data_register(
            f"analytics.{model.__name__}",
            party=party,
            fields=(),
            internal=every,
            erase=KEEP,
            why="counts and dates derived from kept records; they name no one",
        )

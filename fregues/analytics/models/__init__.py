"""The reporting store: facts and dimensions kept by incremental refresh, and costs as data.

Reports read these tables (through ``fregues.analytics.db.analytics_db``), never the live
tables row by row: a report over a million customers groups a few hundred thousand stored rows
with their dimensions already computed. Only the refresh (``services/refresh.py``) writes them.
"""

from .costs import ChannelCost, ExchangeRate, QueueCost
from .customers import CustomerFact
from .dashboard import PivotSummary
from .pivot import DashboardItem, InteractionFact, OrderFact, SavedReport
from .refresh import RefreshState
from .retention import CohortCell, LifecycleSpell, PartyMonthActivity
from .service import BacklogSnapshot, CaseFact
from .value import ValueModelFit

__all__ = [
    "BacklogSnapshot",
    "CaseFact",
    "ChannelCost",
    "CohortCell",
    "CustomerFact",
    "DashboardItem",
    "ExchangeRate",
    "InteractionFact",
    "LifecycleSpell",
    "OrderFact",
    "PartyMonthActivity",
    "PivotSummary",
    "QueueCost",
    "RefreshState",
    "SavedReport",
    "ValueModelFit",
]

"""The reporting store: facts and dimensions kept by incremental refresh, and costs as data.

Reports read these tables (through ``fregues.analytics.db.analytics_db``), never the live
tables row by row: a report over a million customers groups a few hundred thousand stored rows
with their dimensions already computed. Only the refresh (``services/refresh.py``) writes them.
"""

from .costs import ChannelCost, ExchangeRate, QueueCost
from .customers import CustomerFact
from .pivot import DashboardItem, InteractionFact, OrderFact, SavedReport
from .refresh import RefreshState

__all__ = [
    "ChannelCost",
    "CustomerFact",
    "DashboardItem",
    "ExchangeRate",
    "InteractionFact",
    "OrderFact",
    "QueueCost",
    "RefreshState",
    "SavedReport",
]

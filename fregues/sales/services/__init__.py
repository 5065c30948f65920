"""Every write of the sales app, one module per area; import from the module
(``from fregues.sales.services.opportunities import opportunity_move``).

Each service is named ``<entity>_<verb>``, takes keyword-only arguments including ``actor``,
checks the permission, validates all input first, writes in one transaction with its audit
entry and emits its events on commit.
"""

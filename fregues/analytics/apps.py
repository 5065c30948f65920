from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Analytical CRM: a reporting store kept by incremental refresh, read by every report.

    The app reads other apps' tables and writes only its own (``analytics_*``)."""

    name = "fregues.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from . import personal_data, refresh

        personal_data.register()
        refresh.register_refreshers()
        from fregues.core.periodic import register_periodic

        register_periodic("fregues.analytics.tasks.analytics_refresh_task", every_seconds=15 * 60)

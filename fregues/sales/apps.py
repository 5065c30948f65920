from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "fregues.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()
        from fregues.core.periodic import register_periodic
        from fregues.core.tasks import EVENT_RECEIVERS

        from .services.lifecycle_rules import on_event

        if on_event not in EVENT_RECEIVERS:
            EVENT_RECEIVERS.append(on_event)
        register_periodic("fregues.sales.tasks.activity_reminders_task", every_seconds=60)
        register_periodic("fregues.sales.tasks.lifecycle_sweep_task", every_seconds=24 * 3600)
        register_periodic("fregues.sales.tasks.quotes_expire_task", every_seconds=3600)

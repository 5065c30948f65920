from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "fregues.marketing"
    label = "marketing"
    verbose_name = "Marketing"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()
        from fregues.core.periodic import register_periodic

        register_periodic("fregues.marketing.tasks.campaigns_due_task", every_seconds=60)

from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "fregues.interactions"
    label = "interactions"
    verbose_name = "Interactions"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()

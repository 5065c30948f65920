from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "fregues.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()

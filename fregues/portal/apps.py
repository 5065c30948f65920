from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fregues.portal"
    label = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()

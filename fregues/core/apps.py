from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fregues.core"
    label = "core"
    verbose_name = "Freguês core"

    def ready(self) -> None:
        from .personal_data import register_core

        register_core()

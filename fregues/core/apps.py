from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fregues.core"
    label = "core"
    verbose_name = "Freguês core"

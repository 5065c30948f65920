from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "fregues.integrations"
    label = "integrations"
    verbose_name = "Import and export"

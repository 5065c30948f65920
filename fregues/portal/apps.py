from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fregues.portal"
    label = "portal"
    verbose_name = "Portal"

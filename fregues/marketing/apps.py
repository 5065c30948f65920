from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "fregues.marketing"
    label = "marketing"
    verbose_name = "Marketing"

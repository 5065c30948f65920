from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "fregues.interactions"
    label = "interactions"
    verbose_name = "Interactions"

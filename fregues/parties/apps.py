from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "fregues.parties"
    label = "parties"
    verbose_name = "Parties"

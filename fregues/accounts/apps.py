from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fregues.accounts"
    label = "accounts"
    verbose_name = "Accounts"

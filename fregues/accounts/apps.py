from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fregues.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .two_step import remember_device_at_sign_in

        # Whether the user has a TOTP device is read once, at sign-in, into the session.
        user_logged_in.connect(remember_device_at_sign_in, dispatch_uid="two_step_device")

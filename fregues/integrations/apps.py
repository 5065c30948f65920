from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "fregues.integrations"
    label = "integrations"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()

        from fregues.core.periodic import register_periodic

        register_periodic("fregues.integrations.tasks.mail_poll_all_task", every_seconds=60)

        from fregues.service.panels import register_case_panel

        register_case_panel("integrations/mail/partials/case_reply.html")

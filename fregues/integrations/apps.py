from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "fregues.integrations"
    label = "integrations"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from fregues.core.periodic import register_periodic
        from fregues.core.tasks import BATCH_RECEIVERS

        from . import personal_data
        from .webhooks.delivery import webhook_deliveries_fan_out

        personal_data.register()
        if webhook_deliveries_fan_out not in BATCH_RECEIVERS:
            BATCH_RECEIVERS.append(webhook_deliveries_fan_out)
        register_periodic(
            "fregues.integrations.webhooks.tasks.webhook_sweep_task", every_seconds=30
        )
        register_periodic("fregues.integrations.tasks.mail_poll_all_task", every_seconds=60)
        register_periodic("fregues.integrations.tasks.import_jobs_recover_task", every_seconds=300)
        from fregues.service.panels import register_case_panel

        register_case_panel("integrations/mail/partials/case_reply.html")

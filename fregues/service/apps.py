from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "fregues.service"
    label = "service"
    verbose_name = "Customer service"

    def ready(self) -> None:
        from . import personal_data

        personal_data.register()
        from fregues.core.periodic import register_periodic
        from fregues.core.tasks import EVENT_RECEIVERS

        from .services.avoidable import on_event

        if on_event not in EVENT_RECEIVERS:
            EVENT_RECEIVERS.append(on_event)
        register_periodic("fregues.service.tasks.sla_sweep_task", every_seconds=300)
        register_periodic("fregues.service.tasks.case_notices_sweep_task", every_seconds=60)

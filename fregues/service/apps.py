from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "fregues.service"
    label = "service"
    verbose_name = "Customer service"

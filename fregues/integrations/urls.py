from django.urls import URLPattern, path

app_name = "integrations"

urlpatterns: list[URLPattern] = []

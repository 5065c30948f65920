from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-step/", views.two_step_view, name="two_step"),
    path("two-step/verify/", views.two_step_verify_view, name="two_step_verify"),
]

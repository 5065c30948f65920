"""Signing in to the portal without a password (a link by e-mail, a code by SMS)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path


def sign_in(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/sign_in.html", {})


urlpatterns: list[URLPattern] = [
    path("sign-in", sign_in, name="sign_in"),
]

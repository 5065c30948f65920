"""Placeholder: this area's screens land here (see views/__init__.py)."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from .common import placeholder

urlpatterns = [
    path(route, login_required(placeholder), name=name)
    for route, name in [("sales/products/", "products")]
]

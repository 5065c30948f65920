from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Team, User
from .services import token_revoke
from .tokens import recent_tokens


@admin.register(User)
class FreguesUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Freguês", {"fields": ("role", "language")}))

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        recent_tokens.forget(obj.pk)  # a deactivated user's tokens stop working here at once


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: Any, queryset: Any) -> None:
        for record in queryset:
            token_revoke(actor=request.user, token_id=record.pk)
        self.message_user(request, f"{queryset.count()} token(s) revoked.")

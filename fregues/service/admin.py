"""The admin's screens for customer service: circuits with their statuses and transitions,
case types, calendars with holidays, queues, SLA policies, partners, checklists."""

from django.contrib import admin

from .models import (
    BusinessCalendar,
    CalendarHoliday,
    CaseType,
    Circuit,
    CircuitStatus,
    CircuitTransition,
    QualityChecklist,
    Queue,
    ServicePartner,
    SlaPolicy,
)


class StatusInline(admin.TabularInline):
    model = CircuitStatus
    extra = 0
    fields = (
        "position",
        "code",
        "name",
        "name_en",
        "category",
        "is_initial",
        "public_description",
        "public_description_en",
    )


class TransitionInline(admin.TabularInline):
    model = CircuitTransition
    extra = 0
    fields = ("from_status", "to_status", "name", "notifies_customer")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        circuit_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if db_field.name in ("from_status", "to_status") and circuit_id:
            kwargs["queryset"] = CircuitStatus.objects.filter(circuit_id=circuit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Circuit)
class CircuitAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    inlines = [StatusInline, TransitionInline]


@admin.register(CaseType)
class CaseTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "circuit", "default_queue", "is_public")
    list_filter = ("is_public",)


class HolidayInline(admin.TabularInline):
    model = CalendarHoliday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "subdivision", "timezone")
    inlines = [HolidayInline]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "team", "strategy")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "case_type",
        "priority",
        "customer_tier",
        "first_response_minutes",
        "resolution_minutes",
        "calendar",
        "is_active",
    )
    list_filter = ("case_type", "priority", "is_active")


@admin.register(ServicePartner)
class ServicePartnerAdmin(admin.ModelAdmin):
    list_display = ("party", "email", "skills", "is_active")
    raw_id_fields = ("party",)


@admin.register(QualityChecklist)
class QualityChecklistAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")

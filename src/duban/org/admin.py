from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from duban.org.loader import refresh_search_keys
from duban.org.models import Leader, Portfolio, Unit, UnitAlias, UnitGroup, User


class AliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name", "aliases__alias"]
    inlines = [AliasInline]
    readonly_fields = ["search_key"]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        refresh_search_keys([form.instance])  # aliases are saved by the inline formset


@admin.register(UnitGroup)
class UnitGroupAdmin(admin.ModelAdmin):
    filter_horizontal = ["members", "subgroups"]


class PortfolioInline(admin.TabularInline):
    model = Portfolio
    extra = 0


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "fields_text"]
    inlines = [PortfolioInline]


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("督办", {"fields": ("full_name", "role", "unit", "leader")}),
    )  # type: ignore[misc]

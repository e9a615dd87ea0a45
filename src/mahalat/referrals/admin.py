from django.contrib import admin

from mahalat.referrals.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "city", "is_active")
    list_filter = ("city", "kind", "is_active")
    search_fields = ("name", "name_en", "slug")

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mahalat.territory.models import (
    Area,
    City,
    District,
    Neighborhood,
    NeighborhoodPhoto,
    NeighborhoodProfileRevision,
)


class BoundaryReadOnly(admin.ModelAdmin):
    """Boundaries change only through the import command, which validates them and bumps the
    locate index's version."""

    readonly_fields = ("boundary",)
    search_fields = ("name", "name_en", "slug")


@admin.register(City)
class CityAdmin(BoundaryReadOnly):
    list_display = ("name", "name_en", "slug", "population", "is_demo")
    readonly_fields = ("boundary", "boundaries_version")


@admin.register(District)
class DistrictAdmin(BoundaryReadOnly):
    list_display = ("name", "name_en", "number", "city", "population")
    list_filter = ("city",)
    list_select_related = ("city",)


@admin.register(Area)
class AreaAdmin(BoundaryReadOnly):
    list_display = ("name", "name_en", "number", "district", "population")
    list_filter = ("city", "district")
    list_select_related = ("district",)


class PhotoInline(admin.TabularInline):
    """Photos are added and reviewed from the workspace, where they are checked and re-encoded; here
    they are shown."""

    model = NeighborhoodPhoto
    extra = 0
    fields = readonly_fields = ("image", "rendition", "caption", "position", "state", "published_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Neighborhood)
class NeighborhoodAdmin(BoundaryReadOnly):
    list_display = ("name", "name_en", "slug", "area", "district", "population")
    list_filter = ("city", "district")
    list_select_related = ("area", "district")
    readonly_fields = ("boundary", "search_key", "city", "district", "area")
    inlines = [PhotoInline]


@admin.register(NeighborhoodProfileRevision)
class NeighborhoodProfileRevisionAdmin(admin.ModelAdmin):
    """Read only: edits are proposed and reviewed in the workspace, where the rules and the audit apply."""

    list_display = ("neighborhood", "author", "state", "reviewer", "created_at", "decided_at")
    list_filter = ("state", "district")
    list_select_related = ("neighborhood", "author", "reviewer")
    search_fields = ("neighborhood__name", "neighborhood__slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

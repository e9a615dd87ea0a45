"""City → District (منطقه) → Area (ناحیه) → Neighborhood (محله), with boundaries and identity profiles."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mahalat.persian.text import localized_name
from mahalat.territory.scope import Scope


def unit_bulk(*relations: str) -> list[str]:
    """The paths to defer when rows of another model bring territory units along (`select_related`):
    boundaries and a neighborhood's profile texts, which no list or API answer about those rows shows,
    and which make a row of a report list several kilobytes heavier."""
    heavy = ["boundary"]
    paths = []
    for relation in relations:
        fields = heavy + (list(Neighborhood.PROFILE_FIELDS) if relation.endswith("neighborhood") else [])
        paths.extend(f"{relation}__{field}" for field in fields)
    return paths


class TerritoryUnit(models.Model):
    name = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84 lng/lat), validated on import.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)


class City(TerritoryUnit):
    # Bumped whenever any boundary in the city changes, so every process rebuilds its locate index.
    boundaries_version = models.PositiveIntegerField(_("boundaries version"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.pk)


class District(TerritoryUnit):
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="districts")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["city", "number"], name="territory_district_number_unique"),
        ]

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.pk)


class Area(TerritoryUnit):
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="areas")
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="areas"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["district_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["district", "number"], name="territory_area_number_unique"),
        ]

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.district_id, area_id=self.pk)


class Neighborhood(TerritoryUnit):
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="neighborhoods"
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="neighborhoods"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="neighborhoods"
    )

    # Identity profile (هویت محله)
    historical_name = models.CharField(_("historical name"), max_length=120, blank=True)
    history = models.TextField(_("history"), blank=True)
    landmarks = models.TextField(_("landmarks"), blank=True)
    heritage = models.TextField(_("heritage"), blank=True)
    notable_people = models.TextField(_("notable people"), blank=True)
    crafts = models.TextField(_("local crafts"), blank=True)
    annual_events = models.TextField(_("annual events"), blank=True)
    search_key = models.CharField(_("search key"), max_length=300, blank=True, db_index=True)

    PROFILE_FIELDS = (
        "historical_name",
        "history",
        "landmarks",
        "heritage",
        "notable_people",
        "crafts",
        "annual_events",
    )

    class Meta:
        verbose_name = _("neighborhood")
        verbose_name_plural = _("neighborhoods")
        ordering = ["area_id", "name"]
        indexes = [
            models.Index(fields=["city", "district"], name="territory_nbhd_city_dist_idx"),
        ]

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id, district_id=self.district_id, area_id=self.area_id, neighborhood_id=self.pk
        )

    @property
    def neighborhood_id(self) -> int | None:
        """So events about a neighborhood are filed under it like events about anything inside it."""
        return self.pk


class PhotoState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    PUBLISHED = "published", _("Published")


class NeighborhoodPhoto(models.Model):
    """A photo of the neighborhood: pending until a district manager other than its uploader publishes
    it (a rejected one is deleted with its files). `rendition` is a small copy for phones."""

    neighborhood = models.ForeignKey(
        Neighborhood, verbose_name=_("neighborhood"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("image"), upload_to="neighborhoods/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    rendition = models.ImageField(
        _("small copy"),
        upload_to="neighborhoods/%Y/%m/",
        blank=True,
        width_field="rendition_width",
        height_field="rendition_height",
    )
    rendition_width = models.PositiveIntegerField(_("small copy's width"), null=True, blank=True)
    rendition_height = models.PositiveIntegerField(_("small copy's height"), null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=PhotoState.choices, default=PhotoState.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("neighborhood photo")
        verbose_name_plural = _("neighborhood photos")
        ordering = ["neighborhood_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="territory_photo_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True)
                | Q(uploaded_by__isnull=True)
                | ~Q(reviewer=F("uploaded_by")),
                name="territory_photo_reviewer_not_uploader",
            ),
        ]
        indexes = [
            models.Index(fields=["neighborhood", "state", "position"], name="territory_photo_public_idx"),
        ]

    def __str__(self) -> str:
        return self.caption or self.image.name

    @property
    def scope(self) -> Scope:
        return self.neighborhood.scope

    @property
    def is_published(self) -> bool:
        return self.state == PhotoState.PUBLISHED


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NeighborhoodProfileRevision(models.Model):
    """A proposed change to a neighborhood's identity profile: only the changed fields, the values they
    had when the proposal started, and the profile version it started from. Nothing reaches the public
    page until a district manager other than the author publishes it."""

    neighborhood = models.ForeignKey(
        Neighborhood, verbose_name=_("neighborhood"), on_delete=models.CASCADE, related_name="revisions"
    )
    # Copied from the neighborhood so a district's review queue is one indexed lookup.
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(_("proposed changes"), default=dict)
    # The live values of the changed fields when the proposal was made, for before/after and conflicts.
    before = models.JSONField(_("values before"), default=dict)
    base_version = models.CharField(_("profile version it started from"), max_length=40)
    state = models.CharField(
        _("state"), max_length=10, choices=RevisionState.choices, default=RevisionState.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.TextField(_("reviewer's note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity profile revision")
        verbose_name_plural = _("identity profile revisions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                name="territory_revision_reviewer_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["published", "rejected"]) | Q(reviewer__isnull=False),
                name="territory_revision_decided_has_reviewer",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "state", "created_at"], name="territory_revision_queue_idx"),
            models.Index(fields=["neighborhood", "state"], name="territory_revision_nbhd_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.neighborhood_id} #{self.pk} ({self.state})"

    @property
    def scope(self) -> Scope:
        return self.neighborhood.scope

    @property
    def is_pending(self) -> bool:
        return self.state == RevisionState.PENDING

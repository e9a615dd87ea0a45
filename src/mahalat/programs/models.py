"""Cultural-social programs and events (برنامه‌های فرهنگی اجتماعی): what a district, a council, an
agency or an NGO puts on for the residents of some neighborhoods, what it cost and who came.

A program belongs to one district. Its neighborhoods all lie in that district; when they all lie in one
area the area is copied onto the program (so the area officer's scope reaches it), and when there is
exactly one neighborhood that one is copied too (so the council's officers' scope reaches it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mahalat.territory.scope import Scope


class ProgramKind(models.TextChoices):
    CELEBRATION = "celebration", _("Celebration or ceremony")
    EDUCATION = "education", _("Education or workshop")
    SPORT = "sport", _("Sport")
    CULTURE = "culture", _("Culture and art")
    RELIGIOUS = "religious", _("Religious occasion")
    ENVIRONMENT = "environment", _("Environment or clean-up")
    HEALTH = "health", _("Health")
    SOCIAL_SUPPORT = "social_support", _("Social support")
    MEETING = "meeting", _("Meeting with residents")
    OTHER = "other", _("Other")


class OrganizerKind(models.TextChoices):
    DISTRICT = "district", _("The district")
    COUNCIL = "council", _("The neighborhood council")
    AGENCY = "agency", _("An executive agency")
    NGO = "ngo", _("A non-governmental organization")


class ProgramState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Program(models.Model):
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="programs"
    )
    # Copied from the neighborhoods by the service (see the module's docstring); never typed by a person.
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood",
        verbose_name=_("sole neighborhood"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    neighborhoods = models.ManyToManyField(
        "territory.Neighborhood",
        verbose_name=_("neighborhoods"),
        through="ProgramNeighborhood",
        related_name="programs",
    )
    neighborhood_count = models.PositiveSmallIntegerField(_("number of neighborhoods"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgramKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    organizer_kind = models.CharField(_("organizer"), max_length=10, choices=OrganizerKind.choices)
    organizer_council = models.ForeignKey(
        "councils.Council",
        verbose_name=_("organizing council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
    )
    organizer_agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("organizing agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
    )
    organizer_name = models.CharField(_("organizing NGO"), max_length=200, blank=True)
    # Rials. Public: budgets are part of the accountability the plan promises (docs/programs.md).
    planned_budget = models.BigIntegerField(_("planned budget (rials)"), default=0)
    spent_budget = models.BigIntegerField(_("spent budget (rials)"), default=0)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ProgramState.choices, default=ProgramState.PLANNED
    )
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("cultural-social program")
        verbose_name_plural = _("cultural-social programs")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="programs_ends_after_start"),
            models.CheckConstraint(condition=Q(planned_budget__gte=0), name="programs_planned_budget_nonneg"),
            models.CheckConstraint(condition=Q(spent_budget__gte=0), name="programs_spent_budget_nonneg"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True) | Q(lat__isnull=False, lng__isnull=False),
                name="programs_point_whole_or_none",
            ),
            # The organizer's columns match its kind: exactly the one the kind names is filled.
            models.CheckConstraint(
                condition=(
                    Q(
                        organizer_kind="district",
                        organizer_council__isnull=True,
                        organizer_agency__isnull=True,
                        organizer_name="",
                    )
                    | Q(
                        organizer_kind="council",
                        organizer_council__isnull=False,
                        organizer_agency__isnull=True,
                        organizer_name="",
                    )
                    | Q(
                        organizer_kind="agency",
                        organizer_council__isnull=True,
                        organizer_agency__isnull=False,
                        organizer_name="",
                    )
                    | (
                        Q(organizer_kind="ngo", organizer_council__isnull=True, organizer_agency__isnull=True)
                        & ~Q(organizer_name="")
                    )
                ),
                name="programs_organizer_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(state="held") | Q(participants__isnull=False),
                name="programs_held_has_participants",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""), name="programs_cancelled_has_reason"
            ),
        ]
        indexes = [
            # The city's calendar: a month of one city.
            models.Index(fields=["city", "starts_at"], name="programs_city_calendar_idx"),
            # The district's list in the workspace, by state and date.
            models.Index(fields=["district", "state", "starts_at"], name="programs_district_list_idx"),
            # An area officer's programs; and the indicators' "held in a period".
            models.Index(fields=["area", "starts_at"], name="programs_area_idx"),
            models.Index(fields=["city", "state", "starts_at"], name="programs_city_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
        )

    @property
    def is_planned(self) -> bool:
        return self.state == ProgramState.PLANNED

    @property
    def is_cancelled(self) -> bool:
        return self.state == ProgramState.CANCELLED

    @property
    def organizer_label(self) -> str:
        if self.organizer_kind == OrganizerKind.COUNCIL and self.organizer_council is not None:
            return str(
                _("The council of %(neighborhood)s") % {"neighborhood": self.organizer_council.neighborhood}
            )
        if self.organizer_kind == OrganizerKind.AGENCY and self.organizer_agency is not None:
            return str(self.organizer_agency)
        if self.organizer_kind == OrganizerKind.NGO:
            return self.organizer_name
        return str(self.district)


class ProgramNeighborhood(models.Model):
    """One neighborhood a program is for (the link behind `Program.neighborhoods`)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="+"
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood", verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("program neighborhood")
        verbose_name_plural = _("program neighborhoods")
        constraints = [
            models.UniqueConstraint(fields=["program", "neighborhood"], name="programs_neighborhood_once")
        ]
        # A neighborhood's public list starts from its links.
        indexes = [models.Index(fields=["neighborhood", "program"], name="programs_nbhd_list_idx")]

    def __str__(self) -> str:
        return f"{self.program_id} → {self.neighborhood_id}"


class ProgramPhoto(models.Model):
    """A public photo of the program (a poster before it, pictures of it after), re-encoded on upload."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to="programs/%Y/%m/")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("program photo")
        verbose_name_plural = _("program photos")
        ordering = ["program_id", "position", "id"]

    def __str__(self) -> str:
        return self.image.name

"""Council resolutions (مصوبات): what a council adopted, who must carry it out by when, and how far
they have got. Numbered per council per Jalali year (۱۴۰۵/۰۱۲)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.councils.models import PlacedInNeighborhood
from mahalat.persian.digits import localize_digits
from mahalat.territory.scope import Scope


class ResponsibleKind(models.TextChoices):
    AREA = "area", _("The area")
    DISTRICT = "district", _("The district")
    AGENCY = "agency", _("An executive agency")
    COUNCIL = "council", _("The council itself")


class ResolutionState(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")


OPEN_RESOLUTION_STATES = frozenset(
    {ResolutionState.ADOPTED, ResolutionState.ASSIGNED, ResolutionState.IN_PROGRESS}
)


class ResolutionEscalation(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    DISTRICT = 1, _("Escalated to the district")
    DEPUTY = 2, _("On the deputy's attention list")


class Resolution(PlacedInNeighborhood):
    council = models.ForeignKey(
        "councils.Council", verbose_name=_("council"), on_delete=models.PROTECT, related_name="resolutions"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="resolutions"
    )
    agenda_item = models.OneToOneField(
        "meetings.AgendaItem",
        verbose_name=_("agenda item"),
        on_delete=models.PROTECT,
        related_name="resolution",
    )
    jalali_year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveSmallIntegerField(_("number in the year"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), max_length=6000)
    # The vote it rests on, copied from the item for the record.
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    votes_abstain = models.PositiveSmallIntegerField(_("abstained"))
    majority = models.CharField(_("majority needed"), max_length=10)
    vote_base = models.PositiveSmallIntegerField(_("base of the majority"))
    responsible_kind = models.CharField(_("responsible"), max_length=10, choices=ResponsibleKind.choices)
    responsible_agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("responsible agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=12, choices=ResolutionState.choices, default=ResolutionState.ADOPTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    outcome = models.TextField(_("outcome or reason"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=ResolutionEscalation.choices, default=ResolutionEscalation.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    reports = models.ManyToManyField(
        "reports.Report", verbose_name=_("citizen reports"), blank=True, related_name="resolutions"
    )
    # Private items' resolutions are kept off the public accountability page.
    is_public = models.BooleanField(_("public"), default=True)
    adopted_at = models.DateTimeField(_("adopted"))
    state_changed_at = models.DateTimeField(_("state changed"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-jalali_year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "jalali_year", "sequence"], name="resolutions_number_per_council_year"
            ),
            models.CheckConstraint(
                condition=Q(responsible_kind="agency", responsible_agency__isnull=False)
                | (~Q(responsible_kind="agency") & Q(responsible_agency__isnull=True)),
                name="resolutions_agency_when_agency",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="resolutions_progress_at_most_100"),
        ]
        indexes = [
            models.Index(fields=["council", "state"], name="resolutions_council_state_idx"),
            models.Index(fields=["district", "state", "deadline"], name="resolutions_district_due_idx"),
            models.Index(fields=["state", "deadline"], name="resolutions_due_idx"),
            models.Index(fields=["responsible_agency", "state"], name="resolutions_agency_idx"),
            # The public accountability page: a neighborhood's public resolutions, by year.
            models.Index(
                fields=["neighborhood", "is_public", "jalali_year"], name="resolutions_nbhd_public_idx"
            ),
            # An area officer's tracker, and the deputy's attention list.
            models.Index(fields=["area", "state", "deadline"], name="resolutions_area_due_idx"),
            models.Index(fields=["city", "escalation_level", "state"], name="resolutions_city_escal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def scope(self) -> Scope:
        # An agency's liaison reaches the resolutions its agency is responsible for.
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
            agency_id=self.responsible_agency_id,
        )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_RESOLUTION_STATES

    @property
    def is_overdue(self) -> bool:
        """Open after its deadline day (in Tehran)."""
        return self.is_open and self.deadline < timezone.localdate()

    @property
    def owner_label(self) -> str:
        """Who must carry it out: the agency's name, the area's or district's, or the council."""
        if self.responsible_kind == ResponsibleKind.AGENCY and self.responsible_agency is not None:
            return str(self.responsible_agency)
        if self.responsible_kind == ResponsibleKind.AREA:
            return str(self.area)
        if self.responsible_kind == ResponsibleKind.DISTRICT:
            return str(self.district)
        return str(ResponsibleKind(self.responsible_kind).label)

    @property
    def number(self) -> str:
        """۱۴۰۵/۰۱۲: the Jalali year and the three-digit number within it, in the reader's digits."""
        return localize_digits(f"{self.jalali_year}/{self.sequence:03d}")


class ResolutionTransition(models.Model):
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("resolution"), on_delete=models.CASCADE, related_name="transitions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=12, choices=ResolutionState.choices)
    to_state = models.CharField(_("to"), max_length=12, choices=ResolutionState.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resolution update")
        verbose_name_plural = _("resolution updates")
        ordering = ["resolution_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.resolution_id}: {self.from_state} → {self.to_state}"


class Milestone(models.Model):
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("resolution"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["resolution_id", "due_on", "position", "id"]

    def __str__(self) -> str:
        return self.title

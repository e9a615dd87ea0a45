"""Neighborhood social councils (شورای اجتماعی محله): the seat templates the deputy authors, the councils
themselves with their terms, the people seated on them, and their working groups (کارگروه).

Every council row carries its neighborhood's city, district and area ids, so that permission checks
and district-wide lists compare ids and never walk the territory tree.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.persian.text import localized_name
from mahalat.territory.scope import Scope


def placement(place: Any) -> dict[str, int]:
    """The ids a `PlacedInNeighborhood` row copies, from a neighborhood or from any row placed in one."""
    return {
        "city_id": place.city_id,
        "district_id": place.district_id,
        "area_id": place.area_id,
        "neighborhood_id": place.neighborhood_id,
    }


class PlacedInNeighborhood(models.Model):
    """A row that sits in one neighborhood, with the neighborhood's ancestors copied beside it."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood", verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
        )


class SeatFill(models.TextChoices):
    ELECTED = "elected", _("Elected by the residents")
    APPOINTED = "appointed", _("Appointed by the district")
    EX_OFFICIO = "ex_officio", _("Ex officio")


class SeatTemplate(models.Model):
    """A council composition the deputy authors for its city: which seats, how many, filled how."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="seat_templates"
    )
    name = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("used for new councils"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("seat template")
        verbose_name_plural = _("seat templates")
        ordering = ["city_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city"], condition=Q(is_default=True), name="councils_one_default_template_per_city"
            ),
        ]

    def __str__(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)


class SeatType(models.Model):
    template = models.ForeignKey(
        SeatTemplate, verbose_name=_("seat template"), on_delete=models.CASCADE, related_name="seat_types"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    fill = models.CharField(_("filled by"), max_length=12, choices=SeatFill.choices)
    seats = models.PositiveSmallIntegerField(
        _("number of seats"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("seat type")
        verbose_name_plural = _("seat types")
        ordering = ["template_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="councils_seat_type_code_unique"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="councils_seat_type_seats_positive"),
        ]

    def __str__(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)


class CouncilPolicy(models.Model):
    """The deputy's rules for councils in a city, in force from a date: the newest one not in the future
    applies. Meetings copy the quorum rule they were held under, so a later policy never rewrites history."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="council_policies"
    )
    in_force_from = models.DateField(_("in force from"))
    term_months = models.PositiveSmallIntegerField(
        _("term length (months)"), default=24, validators=[MinValueValidator(6), MaxValueValidator(60)]
    )
    max_consecutive_terms = models.PositiveSmallIntegerField(
        _("most consecutive terms"), default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # Quorum: present members must be MORE than this fraction of the seated members (default ½).
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), default=1)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("quorum denominator"), default=2, validators=[MinValueValidator(1)]
    )
    meetings_per_month = models.PositiveSmallIntegerField(
        _("regular meetings per month"), default=2, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    resolution_escalation_days = models.PositiveSmallIntegerField(
        _("days overdue before a resolution reaches the deputy"), default=30
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("council policy")
        verbose_name_plural = _("council policies")
        ordering = ["city_id", "-in_force_from"]
        constraints = [
            models.UniqueConstraint(fields=["city", "in_force_from"], name="councils_policy_date_unique"),
            models.CheckConstraint(
                condition=Q(quorum_numerator__lt=models.F("quorum_denominator")),
                name="councils_policy_quorum_below_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} / {self.in_force_from}"

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)


class CouncilState(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERM_ENDED = "term_ended", _("Term ended")
    RENEWED = "renewed", _("Renewed")
    DISSOLVED = "dissolved", _("Dissolved")


class Council(PlacedInNeighborhood):
    seat_template = models.ForeignKey(
        SeatTemplate, verbose_name=_("seat template"), on_delete=models.PROTECT, related_name="councils"
    )
    term_number = models.PositiveSmallIntegerField(_("term"), default=1)
    state = models.CharField(
        _("state"), max_length=12, choices=CouncilState.choices, default=CouncilState.FORMING
    )
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    state_reason = models.TextField(_("reason"), blank=True)
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("previous term"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("state changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["neighborhood_id", "-term_number"]
        constraints = [
            # The plan's rule: one council in force per neighborhood.
            models.UniqueConstraint(
                fields=["neighborhood"],
                condition=Q(state__in=["forming", "active", "suspended"]),
                name="councils_one_current_council_per_neighborhood",
            ),
            models.UniqueConstraint(fields=["neighborhood", "term_number"], name="councils_term_unique"),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_end__gt=models.F("term_start")),
                name="councils_term_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state="active") | Q(term_start__isnull=False, term_end__isnull=False),
                name="councils_active_has_term",
            ),
        ]
        indexes = [models.Index(fields=["district", "state"], name="councils_district_state_idx")]

    def __str__(self) -> str:
        return f"{self.neighborhood} ({self.term_number})"


class CouncilTransition(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="transitions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=12, choices=CouncilState.choices)
    to_state = models.CharField(_("to"), max_length=12, choices=CouncilState.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("council state change")
        verbose_name_plural = _("council state changes")
        ordering = ["council_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.council_id}: {self.from_state} → {self.to_state}"


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")


class MembershipEnd(models.TextChoices):
    TERM_ENDED = "term_ended", _("Term ended")
    RESIGNED = "resigned", _("Resigned")
    REMOVED = "removed", _("Removed")
    DECEASED = "deceased", _("Deceased")
    DISSOLVED = "dissolved", _("Council dissolved")


class Membership(models.Model):
    """A person seated on a council in one seat, for a period. Ended memberships stay as history."""

    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.PROTECT, related_name="memberships"
    )
    # Copied from the council so role checks and lists need no join.
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood", verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="council_memberships",
    )
    seat_type = models.ForeignKey(
        SeatType, verbose_name=_("seat"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)
    # For ex officio seats: the office that holds the seat (for example "Imam of the Jameh mosque").
    office = models.CharField(_("office"), max_length=150, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    ended_reason = models.CharField(
        _("why it ended"), max_length=12, choices=MembershipEnd.choices, blank=True
    )
    election = models.ForeignKey(
        "elections.Election",
        verbose_name=_("election"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # The role assignment that gives the member their council permissions; revoked when the seat ends.
    role_assignment = models.OneToOneField(
        "accounts.RoleAssignment",
        verbose_name=_("role assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="council_membership",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("council membership")
        verbose_name_plural = _("council memberships")
        ordering = ["council_id", "seat_type__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "user"],
                condition=Q(ends_on__isnull=True),
                name="councils_one_seat_per_person",
            ),
            models.UniqueConstraint(
                fields=["council", "role"],
                condition=Q(ends_on__isnull=True, role__in=["chair", "vice_chair", "secretary"]),
                name="councils_one_officer_per_role",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="councils_membership_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True, ended_reason="")
                | Q(ends_on__isnull=False) & ~Q(ended_reason=""),
                name="councils_membership_end_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "ends_on"], name="councils_member_current_idx"),
            models.Index(fields=["user", "ends_on"], name="councils_member_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.seat_type}"

    @property
    def is_current(self) -> bool:
        return self.ends_on is None

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
        )

    @property
    def owner_id(self) -> int:
        return self.user_id


class WorkingGroupKind(models.TextChoices):
    HEALTH = "health", _("Health")
    LIVELIHOOD = "livelihood", _("Livelihood and employment")
    SECURITY = "security", _("Social security")
    CULTURE = "culture", _("Culture and education")
    CIVIL_WORKS = "civil_works", _("Civil works and services")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class WorkingGroup(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="working_groups"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=WorkingGroupKind.choices)
    name = models.CharField(_("name"), max_length=120)
    lead = models.ForeignKey(
        Membership,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        Membership, verbose_name=_("members"), blank=True, related_name="working_groups"
    )

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["council_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="councils_working_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> Scope:
        return self.council.scope

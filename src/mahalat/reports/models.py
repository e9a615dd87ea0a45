"""Citizen reports (درخواست/گزارش شهروندی): categories with their service levels, routing rules, the
reports themselves and the history of their states."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.persian.text import localized_name
from mahalat.territory.scope import Scope


class ReportKind(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    REQUEST = "request", _("Request")
    PROPOSAL = "proposal", _("Proposal")
    CRITICISM = "criticism", _("Criticism")
    COMPLAINT = "complaint", _("Complaint")
    THANKS = "thanks", _("Thanks")


class HandlerKind(models.TextChoices):
    AREA = "area", _("The area")
    DISTRICT = "district", _("The district")
    AGENCY = "agency", _("An executive agency")


class Category(models.Model):
    """What a report is about, who handles it and how fast. Categories form a tree per city."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="report_categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    slug = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    handler_kind = models.CharField(
        _("handled by"), max_length=10, choices=HandlerKind.choices, default=HandlerKind.AREA
    )
    agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_categories",
    )
    # Service levels, in working hours on the city's calendar.
    triage_hours = models.PositiveIntegerField(
        _("time to triage (working hours)"), default=8, validators=[MinValueValidator(1)]
    )
    resolve_hours = models.PositiveIntegerField(
        _("time to resolve (working hours)"), default=56, validators=[MinValueValidator(1)]
    )
    public_by_default = models.BooleanField(_("reports are public by default"), default=True)
    duplicate_radius_m = models.PositiveIntegerField(
        _("radius for similar reports (metres)"), default=150, validators=[MaxValueValidator(5000)]
    )
    # Extra questions: [{"code", "label", "label_en", "datatype", "required", "values": [{"key", "name"}]}]
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["city_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="reports_category_slug_unique"),
            models.CheckConstraint(
                name="reports_category_agency_when_agency",
                condition=Q(handler_kind=HandlerKind.AGENCY, agency__isnull=False)
                | (~Q(handler_kind=HandlerKind.AGENCY) & Q(agency__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)


class RoutingRule(models.Model):
    """Category × territory: in this district, this category goes to another body than its default."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.CASCADE, related_name="+"
    )
    handler_kind = models.CharField(_("handled by"), max_length=10, choices=HandlerKind.choices)
    agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "district"], name="reports_routing_rule_unique"),
            models.CheckConstraint(
                name="reports_routing_agency_when_agency",
                condition=Q(handler_kind=HandlerKind.AGENCY, agency__isnull=False)
                | (~Q(handler_kind=HandlerKind.AGENCY) & Q(agency__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.district}"


class ReportState(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for phone confirmation")
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Accepted for handling")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred to an agency")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")


# States in which the municipality still owes the citizen something.
OPEN_STATES = frozenset(
    {
        ReportState.SUBMITTED,
        ReportState.TRIAGED,
        ReportState.IN_PROGRESS,
        ReportState.REFERRED,
        ReportState.REOPENED,
    }
)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    DISTRICT = 1, _("Escalated to the district")
    DEPUTY = 2, _("On the deputy's attention list")


class Report(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
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
        "territory.Neighborhood",
        verbose_name=_("neighborhood"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices, default=ReportKind.PROBLEM)
    description = models.TextField(_("description"), max_length=4000)
    search_key = models.TextField(_("search key"), blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)

    # Who reported it. Contact details never leave the staff side.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    reporter_phone = models.CharField(_("reporter's mobile number"), max_length=16, blank=True)
    show_name = models.BooleanField(_("show the reporter's name publicly"), default=False)
    is_public = models.BooleanField(_("public"), default=True)

    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    handler_kind = models.CharField(_("handled by"), max_length=10, choices=HandlerKind.choices)
    handler_agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    needs_routing = models.BooleanField(_("in the district's triage queue"), default=False)
    triage_due_at = models.DateTimeField(_("triage deadline"))
    resolve_due_at = models.DateTimeField(_("resolution deadline"))
    # Still open by then, and the report goes on the deputy's attention list.
    deputy_due_at = models.DateTimeField(_("escalation to the deputy"))
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)

    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    state_changed_at = models.DateTimeField(_("state changed"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    supports_count = models.PositiveIntegerField(_("supports"), default=0)

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["city", "state", "submitted_at"], name="reports_city_state_idx"),
            models.Index(fields=["district", "state", "submitted_at"], name="reports_district_state_idx"),
            models.Index(fields=["area", "state", "submitted_at"], name="reports_area_state_idx"),
            models.Index(fields=["neighborhood", "state", "submitted_at"], name="reports_nbhd_state_idx"),
            models.Index(fields=["category", "state"], name="reports_category_state_idx"),
            models.Index(fields=["reporter", "submitted_at"], name="reports_reporter_idx"),
            models.Index(fields=["state", "triage_due_at"], name="reports_triage_due_idx"),
            models.Index(fields=["state", "resolve_due_at"], name="reports_resolve_due_idx"),
            models.Index(fields=["state", "deputy_due_at"], name="reports_deputy_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="reports_duplicate_has_original",
                condition=~Q(state=ReportState.DUPLICATE) | Q(duplicate_of__isnull=False),
            ),
            models.CheckConstraint(
                name="reports_agency_when_agency",
                condition=~Q(handler_kind=HandlerKind.AGENCY) | Q(handler_agency__isnull=False),
            ),
            models.CheckConstraint(
                name="reports_reporter_or_phone",
                condition=Q(reporter__isnull=False) | ~Q(reporter_phone=""),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
            agency_id=self.handler_agency_id,
        )

    @property
    def owner_id(self) -> int | None:
        return self.reporter_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReportTransition(models.Model):
    """Append-only: every change of state, who made it, when and why (shown to the citizen)."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="transitions"
    )
    city_id = models.BigIntegerField(_("city id"))
    neighborhood_id = models.BigIntegerField(_("neighborhood id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=12, choices=ReportState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=ReportState.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("report state change")
        verbose_name_plural = _("report state changes")
        ordering = ["report_id", "created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"], name="reports_transition_report_idx")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_state} → {self.to_state}"


class ReportPhoto(models.Model):
    """A photo of the problem (from the reporter) or of the fix (from the officer), re-encoded on upload."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to="reports/%Y/%m/")
    is_resolution = models.BooleanField(_("photo of the fix"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["report_id", "is_resolution", "position", "id"]

    def __str__(self) -> str:
        return self.image.name


class _PersonOnReport(models.Model):
    """One person's link to one report (a support, a follow): at most one of each kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.user_id} → {self.report_id}"


class ReportSupport(_PersonOnReport):
    """ "Me too": one per person and report."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="supports"
    )

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_support_once")]


class ReportFollow(_PersonOnReport):
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="follows"
    )

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_follow_once")]


class ReportComment(models.Model):
    """A public comment. Moderators hide a comment; the original text is kept, never rewritten."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="comments"
    )
    city_id = models.BigIntegerField(_("city id"))
    neighborhood_id = models.BigIntegerField(_("neighborhood id"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"), max_length=2000)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["report_id", "created_at", "id"]
        indexes = [
            models.Index(fields=["report", "is_hidden", "created_at"], name="reports_comment_report_idx")
        ]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def scope(self) -> Scope:
        return self.report.scope


class ReportRating(models.Model):
    """The reporter's 1–5 satisfaction with the outcome, after closure; one per report."""

    report = models.OneToOneField(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(name="reports_rating_range", condition=Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.score}"


class ReportEndorsement(models.Model):
    """The neighborhood council backs a report, with a note, perhaps proposing it for a meeting's agenda."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="endorsements"
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    proposed_for_agenda = models.BooleanField(_("proposed for the council's agenda"), default=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("council endorsement")
        verbose_name_plural = _("council endorsements")
        constraints = [
            models.UniqueConstraint(fields=["report", "endorsed_by"], name="reports_endorse_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ({self.endorsed_by_id})"

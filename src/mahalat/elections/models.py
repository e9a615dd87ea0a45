"""How a council is formed: registration calls (فراخوان ثبت‌نام), applications, verified residents and the
secret election of the elected seats.

Secrecy is a property of the schema, not of good manners: the poll book (`Ballot`) records that a resident
voted and nothing else; the choices only ever increase per-candidate counters (`Candidate.votes`), which
carry no voter and no time. No table, and so no query anyone can run, links a voter to a choice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.councils.models import PlacedInNeighborhood
from mahalat.territory.scope import Scope
from mahalat.uploads import private_storage


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    REVIEW = "review", _("Applications under review")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationCall(models.Model):
    """A district's public call for applications to the councils of one or many of its neighborhoods."""

    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="registration_calls",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    neighborhoods = models.ManyToManyField(
        "territory.Neighborhood", verbose_name=_("neighborhoods"), related_name="registration_calls"
    )
    seat_types = models.ManyToManyField(
        "councils.SeatType", verbose_name=_("seats applied for"), related_name="registration_calls"
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    # Eligibility
    residents_only = models.BooleanField(_("only residents of the neighborhood"), default=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(15), MaxValueValidator(80)]
    )
    # The documents an applicant must attach, as a list of {"code", "name", "name_en"}.
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices, default=CallState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration call")
        verbose_name_plural = _("registration calls")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="elections_call_closes_after_opens"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "closes_at"], name="elections_call_state_idx"),
            models.Index(fields=["district", "state"], name="elections_call_district_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.district_id)

    @property
    def is_public(self) -> bool:
        return self.state != CallState.DRAFT


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(PlacedInNeighborhood):
    call = models.ForeignKey(
        RegistrationCall,
        verbose_name=_("registration call"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="council_applications",
    )
    seat_type = models.ForeignKey(
        "councils.SeatType", verbose_name=_("seat"), on_delete=models.PROTECT, related_name="applications"
    )
    birth_date = models.DateField(_("date of birth"))
    address = models.CharField(_("address"), max_length=300)
    statement = models.TextField(_("why I am applying"), max_length=3000)
    state = models.CharField(
        _("state"), max_length=10, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    review_reason = models.TextField(_("reason given to the applicant"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("council application")
        verbose_name_plural = _("council applications")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "applicant"],
                condition=~Q(state="withdrawn"),
                name="elections_one_application_per_call",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "neighborhood", "state"], name="elections_app_review_idx"),
            models.Index(fields=["applicant", "submitted_at"], name="elections_app_mine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.neighborhood}"

    @property
    def owner_id(self) -> int:
        return self.applicant_id


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="documents"
    )
    code = models.SlugField(_("document"), max_length=40)
    # Identity papers: kept out of the public media folder, served only through a permission-checked view.
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/", storage=private_storage)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="elections_one_document_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.code}"


class ResidencyState(models.TextChoices):
    CLAIMED = "claimed", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not verified")


class Residency(PlacedInNeighborhood):
    """A person's claim to live in a neighborhood, verified by the district. Only verified residents vote."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="residencies",
    )
    address = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ResidencyState.choices, default=ResidencyState.CLAIMED
    )
    reason = models.TextField(_("reason"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            # A person lives in one place: one claim or verified residency at a time.
            models.UniqueConstraint(
                fields=["user"], condition=~Q(state="rejected"), name="elections_one_residency_per_person"
            ),
        ]
        indexes = [models.Index(fields=["neighborhood", "state"], name="elections_residency_nbhd_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.neighborhood}"

    @property
    def owner_id(self) -> int:
        return self.user_id


class ElectionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Polls open")
    CLOSED = "closed", _("Polls closed")
    CERTIFIED = "certified", _("Results certified")
    CANCELLED = "cancelled", _("Cancelled")


class Election(PlacedInNeighborhood):
    """The vote that fills one seat type's elected seats on one council."""

    call = models.ForeignKey(
        RegistrationCall,
        verbose_name=_("registration call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elections",
    )
    council = models.ForeignKey(
        "councils.Council", verbose_name=_("council"), on_delete=models.PROTECT, related_name="elections"
    )
    seat_type = models.ForeignKey(
        "councils.SeatType", verbose_name=_("seat"), on_delete=models.PROTECT, related_name="elections"
    )
    seats = models.PositiveSmallIntegerField(_("seats to fill"), validators=[MinValueValidator(1)])
    opens_at = models.DateTimeField(_("polls open"))
    closes_at = models.DateTimeField(_("polls close"))
    state = models.CharField(
        _("state"), max_length=10, choices=ElectionState.choices, default=ElectionState.SCHEDULED
    )
    # Counted once, when the polls close: how many residents voted.
    turnout = models.PositiveIntegerField(_("voters"), null=True, blank=True)
    eligible_voters = models.PositiveIntegerField(_("eligible voters"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("certified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certified_at = models.DateTimeField(_("certified"), null=True, blank=True)

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="elections_closes_after_opens"
            ),
            # One running election per seat type of a council; certified ones stay as history, so a
            # council with vacancies later can hold a by-election.
            models.UniqueConstraint(
                fields=["council", "seat_type"],
                condition=Q(state__in=["scheduled", "open", "closed"]),
                name="elections_one_running_per_seat_type",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "opens_at"], name="elections_due_open_idx"),
            models.Index(fields=["state", "closes_at"], name="elections_due_close_idx"),
            models.Index(fields=["district", "state"], name="elections_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.neighborhood} — {self.seat_type}"

    @property
    def is_public(self) -> bool:
        return True


class Candidate(models.Model):
    election = models.ForeignKey(
        Election, verbose_name=_("election"), on_delete=models.CASCADE, related_name="candidates"
    )
    # A foreign key, not one-to-one: an application accepted once can stand again if its election is
    # cancelled and scheduled anew (once per election, as the constraint below says).
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="candidacies"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="+"
    )
    # Only ever increased by casting a ballot; never read before the polls close.
    votes = models.PositiveIntegerField(_("votes"), default=0)
    # Set when the results are computed: 1, 2, … in the order of the result (ties broken as documented).
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    is_elected = models.BooleanField(_("elected"), default=False)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["election_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "user"], name="elections_candidate_unique"),
            models.UniqueConstraint(
                fields=["election", "application"], name="elections_candidate_application_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Ballot(models.Model):
    """The poll book: that this resident voted in this election. It holds no choice."""

    election = models.ForeignKey(
        Election, verbose_name=_("election"), on_delete=models.CASCADE, related_name="ballots"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.PROTECT, related_name="+"
    )
    # The day only: a time of day would let someone who watched the counters move line the two up.
    voted_on = models.DateField(_("voted on"))

    class Meta:
        verbose_name = _("poll book entry")
        verbose_name_plural = _("poll book")
        constraints = [
            models.UniqueConstraint(fields=["election", "voter"], name="elections_one_ballot_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}: {self.voter_id}"

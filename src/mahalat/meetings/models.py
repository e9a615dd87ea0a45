"""Council meetings (جلسه): schedule, agenda (دستور جلسه), attendance, quorum (حد نصاب), votes and
minutes (صورتجلسه).

A meeting copies the numbers its decisions rest on (seated members, the quorum rule in force) when it
opens, and every vote stores its base and method with its result, so a later change of members or policy
never changes what was decided.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.councils.models import PlacedInNeighborhood
from mahalat.territory.scope import Scope
from mahalat.uploads import private_storage


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    EXTRAORDINARY = "extraordinary", _("Extraordinary")


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_SESSION = "in_session", _("In session")
    CLOSED = "closed", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(PlacedInNeighborhood):
    council = models.ForeignKey(
        "councils.Council", verbose_name=_("council"), on_delete=models.PROTECT, related_name="meetings"
    )
    number = models.PositiveIntegerField(_("meeting number"))
    kind = models.CharField(
        _("kind"), max_length=14, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    # Stable across reschedules, so calendar programs update the event instead of adding another.
    uid = models.UUIDField(_("calendar id"), default=uuid.uuid4, unique=True, editable=False)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    cancel_reason = models.TextField(_("why it was cancelled"), blank=True)
    # Fixed when the meeting opens.
    seated_members = models.PositiveSmallIntegerField(_("seated members"), null=True, blank=True)
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), null=True, blank=True)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum denominator"), null=True, blank=True)
    quorum_required = models.PositiveSmallIntegerField(_("members needed for quorum"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Whether quorum was reached when the meeting opened (or later, once enough members arrived).
    had_quorum = models.BooleanField(_("had quorum"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["council", "number"], name="meetings_number_per_council"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meetings_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["council", "starts_at"], name="meetings_council_time_idx"),
            models.Index(fields=["district", "starts_at"], name="meetings_district_time_idx"),
            models.Index(fields=["state", "starts_at"], name="meetings_state_time_idx"),
            # The public list of a neighborhood's meetings.
            models.Index(fields=["neighborhood", "starts_at"], name="meetings_nbhd_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.council} #{self.number}"

    @property
    def is_public(self) -> bool:
        # The schedule of a council's meetings is public; what they decided is public once published.
        return True


class AgendaSource(models.TextChoices):
    REPORT = "report", _("A citizen report")
    MEMBER = "member", _("A council member")
    DISTRICT = "district", _("The district")


class AgendaItemState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # waiting for a meeting
    SCHEDULED = "scheduled", _("On the agenda")
    VOTING = "voting", _("Voting")
    DECIDED = "decided", _("Decided")
    DISCUSSED = "discussed", _("Discussed, no vote")
    DEFERRED = "deferred", _("Deferred")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VoteMode(models.TextChoices):
    OPEN = "open", _("Open vote")
    SECRET = "secret", _("Secret vote")


class MajorityMethod(models.TextChoices):
    SIMPLE = "simple", _("Simple majority of votes cast")
    TWO_THIRDS = "two_thirds", _("Two thirds of members present")
    ABSOLUTE = "absolute", _("Absolute majority of seated members")


class AgendaItem(PlacedInNeighborhood):
    council = models.ForeignKey(
        "councils.Council", verbose_name=_("council"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    # Empty while the item is a proposal waiting for a meeting.
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    source = models.CharField(_("proposed by"), max_length=10, choices=AgendaSource.choices)
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("citizen report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposer"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Private items (personal matters, security) are left out of the public minutes.
    is_private = models.BooleanField(_("private"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=AgendaItemState.choices, default=AgendaItemState.PROPOSED
    )
    # Minutes of this item: sanitized HTML.
    discussion = models.TextField(_("discussion"), blank=True)
    # The vote, once opened, and its result, once closed.
    vote_mode = models.CharField(_("vote"), max_length=6, choices=VoteMode.choices, blank=True)
    majority = models.CharField(
        _("majority needed"), max_length=10, choices=MajorityMethod.choices, blank=True
    )
    votes_for = models.PositiveSmallIntegerField(_("for"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("abstained"), default=0)
    # The base the majority was computed on (votes cast, members present or seated) and the votes needed.
    vote_base = models.PositiveSmallIntegerField(_("base of the majority"), null=True, blank=True)
    votes_needed = models.PositiveSmallIntegerField(_("votes needed"), null=True, blank=True)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    vote_closed_at = models.DateTimeField(_("vote closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="report") | Q(report__isnull=False),
                name="meetings_report_item_has_report",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", meeting__isnull=True)
                | Q(state="withdrawn")
                | (~Q(state__in=["proposed", "withdrawn"]) & Q(meeting__isnull=False)),
                name="meetings_item_meeting_matches_state",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "state"], name="meetings_item_state_idx"),
            models.Index(fields=["meeting", "position"], name="meetings_item_order_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return not self.is_private


class AgendaAttachment(models.Model):
    item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("name"), max_length=150)
    file = models.FileField(_("file"), upload_to="agenda/%Y/%m/", storage=private_storage)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.name


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")
    GUEST = "guest", _("Guest")


class Attendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    # A member's attendance; empty for a guest, who is named instead.
    membership = models.ForeignKey(
        "councils.Membership",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    guest_name = models.CharField(_("guest"), max_length=150, blank=True)
    guest_affiliation = models.CharField(_("guest of"), max_length=150, blank=True)
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"], name="meetings_one_attendance_per_member"
            ),
            models.CheckConstraint(
                condition=Q(membership__isnull=False) & ~Q(status="guest")
                | Q(membership__isnull=True, status="guest") & ~Q(guest_name=""),
                name="meetings_attendance_member_or_guest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.membership_id or self.guest_name} {self.status}"


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class MemberVote(models.Model):
    """One member's vote on one item. In a secret vote the choice is not stored here (it only adds to the
    item's counters): the row then only says the member voted."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="member_votes"
    )
    membership = models.ForeignKey(
        "councils.Membership", verbose_name=_("member"), on_delete=models.PROTECT, related_name="votes"
    )
    choice = models.CharField(_("vote"), max_length=8, choices=VoteChoice.choices, blank=True)

    class Meta:
        verbose_name = _("member vote")
        verbose_name_plural = _("member votes")
        constraints = [
            models.UniqueConstraint(fields=["item", "membership"], name="meetings_one_vote_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.membership_id}"


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved by the chair")
    PUBLISHED = "published", _("Published")


class Minutes(models.Model):
    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="minutes"
    )
    # Sanitized HTML: the opening, general discussion and closing; each item's discussion is on the item.
    body = models.TextField(_("minutes"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        indexes = [models.Index(fields=["state", "published_at"], name="meetings_minutes_state_idx")]

    def __str__(self) -> str:
        return str(self.meeting)

    @property
    def scope(self) -> Scope:
        return self.meeting.scope

    @property
    def is_public(self) -> bool:
        return self.state == MinutesState.PUBLISHED

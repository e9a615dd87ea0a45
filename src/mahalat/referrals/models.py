"""Executive agencies (دستگاه‌های اجرایی), the service levels the deputy agrees with them, and referrals
(ارجاع): work the municipality hands to an agency or to another municipal unit, with deadlines that are
followed to the end — reminders before each, escalation at a breach — and, for agencies with their own
systems, signed webhook deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.persian.text import localized_name
from mahalat.territory.models import City
from mahalat.territory.scope import Scope
from mahalat.uploads import private_storage


class AgencyKind(models.TextChoices):
    WATER = "water", _("Water and sewage")
    POWER = "power", _("Power")
    GAS = "gas", _("Gas")
    TELECOM = "telecom", _("Telecommunication")
    POLICE = "police", _("Police")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    WELFARE = "welfare", _("Welfare")
    OTHER = "other", _("Other")


class Agency(models.Model):
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("name (Persian)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Jurisdiction: the whole city, or only the districts listed.
    is_citywide = models.BooleanField(_("serves the whole city"), default=True)
    districts = models.ManyToManyField(
        "territory.District", verbose_name=_("districts served"), blank=True, related_name="agencies"
    )
    # Machine-to-machine delivery: referrals are POSTed here, signed with the secret (HMAC-SHA256).
    webhook_url = models.URLField(_("webhook address"), max_length=400, blank=True)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=80, blank=True)
    webhook_active = models.BooleanField(_("deliver referrals by webhook"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("executive agency")
        verbose_name_plural = _("executive agencies")
        ordering = ["city_id", "name"]
        constraints = [
            models.CheckConstraint(
                name="referrals_agency_webhook_has_address",
                condition=Q(webhook_active=False) | (~Q(webhook_url="") & ~Q(webhook_secret="")),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized_name(name=self.name, name_en=self.name_en)

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, agency_id=self.pk)


class ServiceAgreement(models.Model):
    """How fast a body must act on a referral, in working hours on the city's calendar. Authored by the
    deputy; districts use it and cannot change it.

    `agency` empty: the agreement for referrals between municipal units. `category` empty: the body's
    default for referrals of any category without an agreement of their own."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    category = models.ForeignKey(
        "reports.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    acknowledge_hours = models.PositiveIntegerField(
        _("time to acknowledge (working hours)"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    answer_hours = models.PositiveIntegerField(
        _("time to answer (working hours)"), validators=[MinValueValidator(1), MaxValueValidator(4000)]
    )
    finish_hours = models.PositiveIntegerField(
        _("time to finish (working hours)"), validators=[MinValueValidator(1), MaxValueValidator(8000)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("service-level agreement")
        verbose_name_plural = _("service-level agreements")
        ordering = ["city_id", "agency_id", "category_id"]
        constraints = [
            models.CheckConstraint(
                name="referrals_agreement_order",
                condition=Q(acknowledge_hours__lte=F("answer_hours"), answer_hours__lte=F("finish_hours")),
            ),
            # One agreement per body × category, the missing ones (NULL) counted as a value of their own.
            models.UniqueConstraint(
                fields=["agency", "category"],
                condition=Q(agency__isnull=False, category__isnull=False),
                name="referrals_agreement_agency_category",
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(agency__isnull=False, category__isnull=True),
                name="referrals_agreement_agency_default",
            ),
            models.UniqueConstraint(
                fields=["city", "category"],
                condition=Q(agency__isnull=True, category__isnull=False),
                name="referrals_agreement_units_category",
            ),
            models.UniqueConstraint(
                fields=["city"],
                condition=Q(agency__isnull=True, category__isnull=True),
                name="referrals_agreement_units_default",
            ),
        ]

    def __str__(self) -> str:
        body = str(self.agency) if self.agency_id else str(_("Municipal units"))
        return f"{body} / {self.category or _('any category')}"

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)


class SourceKind(models.TextChoices):
    REPORT = "report", _("A citizen report")
    RESOLUTION = "resolution", _("A council resolution")
    DIRECT = "direct", _("The district directly")


class TargetKind(models.TextChoices):
    AGENCY = "agency", _("An executive agency")
    DISTRICT = "district", _("A district")
    AREA = "area", _("An area")


class ReferralState(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ANSWERED = "answered", _("Answered")
    DONE = "done", _("Done")
    REOPENED = "reopened", _("Reopened")


# The receiving body still owes something.
OPEN_REFERRAL_STATES = frozenset(
    {
        ReferralState.SENT,
        ReferralState.ACKNOWLEDGED,
        ReferralState.ACCEPTED,
        ReferralState.ANSWERED,
        ReferralState.REOPENED,
    }
)
# The receiving body has not answered yet.
WAITING_FOR_ANSWER_STATES = frozenset(
    {ReferralState.SENT, ReferralState.ACKNOWLEDGED, ReferralState.ACCEPTED, ReferralState.REOPENED}
)


class ReferralEscalation(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    DISTRICT = 1, _("Escalated to the district manager")
    DEPUTY = 2, _("On the deputy's attention list")


class Referral(models.Model):
    # Where it comes from: the sending district always; the area and neighborhood when the source has one.
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "territory.District", verbose_name=_("sending district"), on_delete=models.PROTECT, related_name="+"
    )
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
        verbose_name=_("neighborhood"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("citizen report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    resolution = models.ForeignKey(
        "resolutions.Resolution",
        verbose_name=_("resolution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    target_kind = models.CharField(_("referred to"), max_length=10, choices=TargetKind.choices)
    target_agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    target_district = models.ForeignKey(
        "territory.District",
        verbose_name=_("receiving district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("receiving area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "reports.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    # Recorded per referral; off unless the sender turns it on.
    share_reporter_contact = models.BooleanField(_("share the reporter's contact details"), default=False)

    state = models.CharField(
        _("state"), max_length=12, choices=ReferralState.choices, default=ReferralState.SENT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"))
    state_changed_at = models.DateTimeField(_("state changed"))
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"))
    answer_due_at = models.DateTimeField(_("answer by"))
    finish_due_at = models.DateTimeField(_("finish by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    suggested_body = models.CharField(_("suggested body"), max_length=200, blank=True)
    suggested_agency = models.ForeignKey(
        Agency,
        verbose_name=_("suggested agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    response = models.TextField(_("response"), blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=ReferralEscalation.choices, default=ReferralEscalation.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="referrals_source_shape",
                condition=Q(source_kind="report", report__isnull=False, resolution__isnull=True)
                | Q(source_kind="resolution", resolution__isnull=False, report__isnull=True)
                | Q(source_kind="direct", report__isnull=True, resolution__isnull=True),
            ),
            models.CheckConstraint(
                name="referrals_target_shape",
                condition=Q(
                    target_kind="agency",
                    target_agency__isnull=False,
                    target_district__isnull=True,
                    target_area__isnull=True,
                )
                | Q(target_kind="district", target_agency__isnull=True, target_district__isnull=False)
                | Q(target_kind="area", target_agency__isnull=True, target_area__isnull=False),
            ),
            models.CheckConstraint(
                name="referrals_deadlines_order",
                condition=Q(
                    acknowledge_due_at__lte=F("answer_due_at"), answer_due_at__lte=F("finish_due_at")
                ),
            ),
            # A report follows one referral at a time.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(
                    report__isnull=False,
                    state__in=["sent", "acknowledged", "accepted", "answered", "reopened"],
                ),
                name="referrals_one_open_per_report",
            ),
        ]
        indexes = [
            # The agency inbox: its referrals by state and deadline.
            models.Index(
                fields=["target_agency", "state", "answer_due_at"], name="referrals_agency_inbox_idx"
            ),
            models.Index(fields=["target_agency", "sent_at"], name="referrals_agency_sent_idx"),
            # The sending district's list and its "today" page.
            models.Index(fields=["district", "state", "sent_at"], name="referrals_district_idx"),
            models.Index(fields=["target_district", "state"], name="referrals_target_district_idx"),
            models.Index(fields=["target_area", "state"], name="referrals_target_area_idx"),
            # The periodic job's scans, one per deadline.
            models.Index(fields=["state", "acknowledge_due_at"], name="referrals_ack_due_idx"),
            models.Index(fields=["state", "answer_due_at"], name="referrals_answer_due_idx"),
            models.Index(fields=["state", "finish_due_at"], name="referrals_finish_due_idx"),
            # The deputy's attention list.
            models.Index(fields=["city", "escalation_level", "state"], name="referrals_city_escal_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def scope(self) -> Scope:
        """The sender's place, and the agency it addresses (whose liaisons it reaches)."""
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
            agency_id=self.target_agency_id,
        )

    @property
    def receiver_scope(self) -> Scope:
        """Where the receiving body sits: the agency, or the municipal unit it was sent to."""
        if self.target_kind == TargetKind.AGENCY:
            return Scope(city_id=self.city_id, agency_id=self.target_agency_id)
        if self.target_kind == TargetKind.AREA:
            return Scope(
                city_id=self.city_id, district_id=self.target_district_id, area_id=self.target_area_id
            )
        return Scope(city_id=self.city_id, district_id=self.target_district_id)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REFERRAL_STATES

    @property
    def current_deadline(self) -> tuple[str, datetime] | None:
        """The next deadline the receiving body must meet in the current state, if any."""
        if self.state == ReferralState.SENT:
            return DeadlineKind.ACKNOWLEDGE, self.acknowledge_due_at
        if self.state in WAITING_FOR_ANSWER_STATES:
            return DeadlineKind.ANSWER, self.answer_due_at
        if self.state in OPEN_REFERRAL_STATES:
            return DeadlineKind.FINISH, self.finish_due_at
        return None

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Some deadline that still binds in the current state has passed."""
        now = now or timezone.now()
        if self.state not in OPEN_REFERRAL_STATES:
            return False
        return (
            (self.state == ReferralState.SENT and self.acknowledge_due_at < now)
            or (self.state in WAITING_FOR_ANSWER_STATES and self.answer_due_at < now)
            or self.finish_due_at < now
        )

    @property
    def target_label(self) -> str:
        if self.target_kind == TargetKind.AGENCY:
            return str(self.target_agency)
        if self.target_kind == TargetKind.AREA:
            return str(self.target_area)
        return str(self.target_district)


class ReferralTransition(models.Model):
    """Append-only: every change of a referral's state, who made it, when and why."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="transitions"
    )
    city_id = models.BigIntegerField(_("city id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=12, choices=ReferralState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=ReferralState.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("referral state change")
        verbose_name_plural = _("referral state changes")
        ordering = ["referral_id", "at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referrals_transition_idx")]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_state} → {self.to_state}"


class ReferralAttachment(models.Model):
    """A document sent with a referral, checked by content and kept in the private storage."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="referrals/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral attachment")
        verbose_name_plural = _("referral attachments")
        ordering = ["referral_id", "id"]

    def __str__(self) -> str:
        return self.original_name


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("acknowledge")
    ANSWER = "answer", _("answer")
    FINISH = "finish", _("finish")


class AlarmKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    BREACH = "breach", _("Breach")


class ReferralAlarm(models.Model):
    """A reminder sent before a deadline, or a breach of it: written once, which is what makes the
    periodic job act once per deadline (per round: a reopened referral gets new deadlines)."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="alarms"
    )
    deadline = models.CharField(_("deadline"), max_length=12, choices=DeadlineKind.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=AlarmKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("referral deadline alarm")
        verbose_name_plural = _("referral deadline alarms")
        ordering = ["referral_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "deadline", "kind", "round"], name="referrals_alarm_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.kind} {self.deadline}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class WebhookDelivery(models.Model):
    """One event POSTed to an agency's system. The body is stored exactly as signed and sent, and the
    delivery id stays the same across retries, so the receiver can drop a repeat."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="deliveries"
    )
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40)
    url = models.URLField(_("address"), max_length=400)
    body = models.TextField(_("body"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="referrals_delivery_due_idx"),
            models.Index(fields=["agency", "created_at"], name="referrals_delivery_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.agency_id} ({self.state})"

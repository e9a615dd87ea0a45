"""The deputy's policies (سیاست) and circulars (بخشنامه): what it tells the districts, from which day,
who has acknowledged it, and — for a policy — the council rules it sets.

A document is written as a draft, then published (numbered per city, kind and Jalali year: ۱۴۰۵/۰۰۳),
and may later be withdrawn with a reason. Publication resolves its target districts to rows and writes
one `Acknowledgement` per district with `acknowledged_at` empty, so "who has not acknowledged yet" is a
plain indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.persian.digits import localize_digits
from mahalat.territory.scope import Scope
from mahalat.uploads import private_storage


class PolicyKind(models.TextChoices):
    POLICY = "policy", _("Policy")
    CIRCULAR = "circular", _("Circular")


class PolicyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The council rule fields a policy may carry, named as `councils.services.council_policy_save` takes them.
COUNCIL_RULE_FIELDS: tuple[str, ...] = (
    "meetings_per_month",
    "quorum_numerator",
    "quorum_denominator",
    "term_months",
    "max_consecutive_terms",
    "resolution_escalation_days",
)


class Policy(models.Model):
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="policies"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PolicyKind.choices)
    # Given at publication; a draft has no number.
    jalali_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveSmallIntegerField(_("number in the year"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # Sanitized HTML (mahalat.meetings.sanitize), safe to show as it is.
    body = models.TextField(_("text"), blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    all_districts = models.BooleanField(_("all districts of the city"), default=False)
    target_districts = models.ManyToManyField(
        "territory.District", verbose_name=_("target districts"), blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=PolicyState.choices, default=PolicyState.DRAFT
    )
    # The council rules a policy sets (all empty unless `sets_council_rule`).
    sets_council_rule = models.BooleanField(_("sets council rules"), default=False)
    meetings_per_month = models.PositiveSmallIntegerField(
        _("regular meetings per month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), null=True, blank=True)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("quorum denominator"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    term_months = models.PositiveSmallIntegerField(
        _("term length (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(60)],
    )
    max_consecutive_terms = models.PositiveSmallIntegerField(
        _("most consecutive terms"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    resolution_escalation_days = models.PositiveSmallIntegerField(
        _("days overdue before a resolution reaches the deputy"), null=True, blank=True
    )
    # The council rule version this policy put in force (so history can say which rule judged what).
    council_policy = models.OneToOneField(
        "councils.CouncilPolicy",
        verbose_name=_("council rule version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="source_policy",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("policy or circular")
        verbose_name_plural = _("policies and circulars")
        ordering = ["-published_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "kind", "jalali_year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="policies_number_per_city_kind_year",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False, sequence__isnull=False),
                name="policies_published_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | ~Q(withdrawn_reason=""),
                name="policies_withdrawn_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(sets_council_rule=False) | Q(kind="policy"),
                name="policies_rules_only_in_policies",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "state", "kind"], name="policies_city_state_idx"),
            models.Index(fields=["city", "published_at"], name="policies_city_published_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.sequence else self.title

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id)

    @property
    def is_public(self) -> bool:
        """A published policy is public; circulars are internal, drafts and withdrawn ones too."""
        return self.kind == PolicyKind.POLICY and self.state == PolicyState.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.state == PolicyState.DRAFT

    @property
    def addressed_district_ids(self) -> frozenset[int]:
        """The districts it was published to (none while a draft): whose staff read and acknowledge it.

        Read from the acknowledgement rows (prefetched by the selectors; else one query, remembered)."""
        if self.state == PolicyState.DRAFT or self.pk is None:
            return frozenset()
        cached = getattr(self, "_addressed_ids", None)
        if cached is None:
            cache = getattr(self, "_prefetched_objects_cache", {})
            if "acknowledgements" in cache:
                cached = frozenset(a.district_id for a in cache["acknowledgements"])
            else:
                cached = frozenset(self.acknowledgements.values_list("district_id", flat=True))
            self._addressed_ids = cached
        return cached

    @property
    def number(self) -> str:
        """۱۴۰۵/۰۰۳ in the reader's digits; empty for a draft."""
        if self.sequence is None or self.jalali_year is None:
            return ""
        return localize_digits(f"{self.jalali_year}/{self.sequence:03d}")

    @property
    def ascii_number(self) -> str:
        if self.sequence is None or self.jalali_year is None:
            return ""
        return f"{self.jalali_year}/{self.sequence:03d}"

    def council_rule(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in COUNCIL_RULE_FIELDS}


class PolicyAttachment(models.Model):
    """A document attached to a policy, checked by content and kept in the private storage."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="policies/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy attachment")
        verbose_name_plural = _("policy attachments")
        ordering = ["policy_id", "id"]

    def __str__(self) -> str:
        return self.original_name


class Acknowledgement(models.Model):
    """One target district of a published policy: written at publication with `acknowledged_at` empty,
    filled once when the district's manager or social officer acknowledges it (اعلام وصول)."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="acknowledgements"
    )
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    # Reminder bookkeeping: the reminder job sends at most one a day (Tehran day) per district.
    last_reminded_on = models.DateField(_("last reminded"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["policy_id", "district_id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "district"], name="policies_ack_once_per_district"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="policies_ack_who_and_when",
            ),
        ]
        indexes = [
            # A district's inbox, unacknowledged first; and the deputy's "not yet" counts.
            models.Index(fields=["district", "acknowledged_at"], name="policies_ack_district_idx"),
            models.Index(
                fields=["city", "policy"],
                condition=Q(acknowledged_at__isnull=True),
                name="policies_ack_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} / {self.district_id}"

    @property
    def scope(self) -> Scope:
        return Scope(city_id=self.city_id, district_id=self.district_id)

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

"""News and announcements (اخبار و اطلاعیه‌ها) of a district or of one of its neighborhoods.

An item is written as a draft by the district's staff (or the area officer of its neighborhood), sent
for review, and published by a different person holding the district manager's role; it is public only
from its publish date on. A published item can be withdrawn, with the reason kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mahalat.territory.scope import Scope


class NewsState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NewsItem(models.Model):
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="news"
    )
    # Copied from the neighborhood by the service so the area officer's scope reaches the item.
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
        related_name="news",
    )
    title = models.CharField(_("title"), max_length=200)
    # Made from the title by the service (Persian letters kept), never typed; unique in the city.
    slug = models.CharField(_("slug"), max_length=140)
    summary = models.TextField(_("summary"), max_length=300)
    # Stored already sanitized (meetings.sanitize.clean_html), so pages show it as it is.
    body = models.TextField(_("text"), max_length=60_000, blank=True)
    lead_image = models.ImageField(_("lead image"), upload_to="news/%Y/%m/", blank=True)
    lead_image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    publish_at = models.DateTimeField(_("publish date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=NewsState.choices, default=NewsState.DRAFT)
    review_note = models.TextField(_("reviewer's note"), max_length=2000, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), max_length=2000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Raised by every write; a form carries the number it was drawn from, so a stale save is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-publish_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="news_slug_unique_in_city"),
            models.CheckConstraint(
                condition=Q(lead_image="") | ~Q(lead_image_alt=""), name="news_image_has_alt"
            ),
            # Published means reviewed by someone other than the author, with a date to show it from.
            models.CheckConstraint(
                condition=~Q(state="published")
                | (Q(publish_at__isnull=False, reviewer__isnull=False) & ~Q(reviewer=F("author"))),
                name="news_published_reviewed_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | ~Q(withdraw_reason=""), name="news_withdrawn_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["city", "state", "publish_at"], name="news_city_public_idx"),
            models.Index(fields=["district", "state", "publish_at"], name="news_district_public_idx"),
            models.Index(fields=["neighborhood", "state", "publish_at"], name="news_nbhd_public_idx"),
            # The staff list of an area officer.
            models.Index(fields=["area", "state"], name="news_area_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
        )

    @property
    def is_draft(self) -> bool:
        return self.state == NewsState.DRAFT

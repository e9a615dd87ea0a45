"""Needs assessments (نیازسنجی): a survey for the residents of one neighborhood, its questions and
options, and the residents' responses. Results are only ever read in aggregate: nothing here joins a
respondent to an answer except the respondent's own page."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalat.councils.models import PlacedInNeighborhood

RATING_MIN = 1
RATING_MAX = 5
TEXT_ANSWER_MAX = 1000  # characters of a free-text answer


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")  # published, waiting for its opening time
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AuthorKind(models.TextChoices):
    DISTRICT = "district", _("The district")
    DEPUTY = "deputy", _("The cultural-social deputy")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RATING = "rating", _("Rating from 1 to 5")
    TEXT = "text", _("Free text")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class Survey(PlacedInNeighborhood):
    author_kind = models.CharField(_("author"), max_length=10, choices=AuthorKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    residents_only = models.BooleanField(
        _("verified residents only"),
        default=True,
        help_text=_("Only the neighborhood's verified residents may answer; otherwise anyone signed in."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="surveys_closes_after_opens"
            )
        ]
        indexes = [
            models.Index(fields=["neighborhood", "state"], name="surveys_nbhd_state_idx"),
            models.Index(fields=["district", "state"], name="surveys_district_state_idx"),
            models.Index(fields=["city", "state"], name="surveys_city_state_idx"),
            # The periodic job: scheduled ones due to open, open ones due to close.
            models.Index(fields=["state", "opens_at"], name="surveys_state_opens_idx"),
            models.Index(fields=["state", "closes_at"], name="surveys_state_closes_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        """Results are published once the survey has closed."""
        return self.state == SurveyState.CLOSED

    @property
    def is_draft(self) -> bool:
        return self.state == SurveyState.DRAFT

    def accepts_answers(self, now: datetime) -> bool:
        # The stored state and the dates both: a late periodic run never keeps a survey open longer.
        return self.state == SurveyState.OPEN and self.opens_at <= now < self.closes_at


class Question(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    required = models.BooleanField(_("required"), default=True)
    max_picks = models.PositiveSmallIntegerField(_("most options one may pick"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_picks__isnull=True) | Q(kind="multiple", max_picks__gte=1),
                name="surveys_max_picks_for_multiple",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS


class Option(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("option"), max_length=200)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One resident's submission. Who answered is kept only to allow one response per person."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="+"
    )
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood", verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], name="surveys_one_response_per_person")
        ]
        indexes = [models.Index(fields=["survey", "submitted_at"], name="surveys_response_survey_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"


class Answer(models.Model):
    """One answer: a picked option (one row per pick), a rating, or a text."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    # Copied from the response so results aggregate over one table with one index.
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="+"
    )
    option = models.ForeignKey(
        Option, verbose_name=_("option"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="surveys_rating_in_range",
            ),
            models.CheckConstraint(
                condition=Q(option__isnull=False, rating__isnull=True, text="")
                | Q(option__isnull=True, rating__isnull=False, text="")
                | (Q(option__isnull=True, rating__isnull=True) & ~Q(text="")),
                name="surveys_answer_one_value",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False),
                name="surveys_option_once_per_response",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "question", "option"], name="surveys_answer_option_idx"),
            models.Index(fields=["survey", "question", "rating"], name="surveys_answer_rating_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"

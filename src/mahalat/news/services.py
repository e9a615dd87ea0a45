"""Every write about news items: saving a draft, sending it for review, publishing it or sending it
back, and withdrawing it (draft → in review → published | back to draft; any but withdrawn → withdrawn).

Each write locks the item's row, checks the version the writer saw (a stale form is refused rather than
overwriting someone else's change), and records an audit event in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import has_permission
from mahalat.audit.services import event_record
from mahalat.errors import ConflictError, TransitionNotAllowed
from mahalat.meetings.sanitize import MAX_HTML, clean_html
from mahalat.news.models import NewsItem, NewsState
from mahalat.notifications.services import neighborhood_followers_notify
from mahalat.persian.text import normalize_text
from mahalat.territory.models import District, Neighborhood
from mahalat.uploads import sanitize_image

TITLE_MAX = 200
SUMMARY_MAX = 300
BODY_MAX = MAX_HTML
ALT_MAX = 200
NOTE_MAX = 2000
SLUG_MAX = 120
# A publish date a little behind the clock is a person typing "now"; further back is a mistake.
PAST_TOLERANCE = timedelta(minutes=10)
MAX_AHEAD = timedelta(days=365)
FALLBACK_SLUG = "خبر"

# The lifecycle: the only moves there are.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (NewsState.DRAFT, NewsState.IN_REVIEW),
        (NewsState.IN_REVIEW, NewsState.PUBLISHED),
        (NewsState.IN_REVIEW, NewsState.DRAFT),
        (NewsState.DRAFT, NewsState.WITHDRAWN),
        (NewsState.IN_REVIEW, NewsState.WITHDRAWN),
        (NewsState.PUBLISHED, NewsState.WITHDRAWN),
    }
)

_ZWNJ = "\u200c"
_NOT_SLUG = re.compile(r"[^0-9a-z\u0600-\u06ff\u0750-\u077f-]+")
_DASHES = re.compile(r"-{2,}")


# --- slugs -------------------------------------------------------------------------------------------


def news_slug(title: str) -> str:
    """A readable Persian slug: letters and digits kept (Persian or Latin), spaces and punctuation → "-".

    The half-space (ZWNJ) joins the parts of one word, so it is dropped rather than made a dash;
    Arabic punctuation in the Arabic block (، ؛ ؟ «») is not a letter and becomes a dash too.
    """
    text = normalize_text(title).lower().replace(_ZWNJ, "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        kept.append(char if category[0] in "LN" else "-")
    slug = _DASHES.sub("-", _NOT_SLUG.sub("-", "".join(kept))).strip("-")
    if len(slug) > SLUG_MAX:
        # Cut at a word's end where one is near, so the slug does not end mid-word.
        cut = slug[:SLUG_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2 :] else cut
    return slug.strip("-") or FALLBACK_SLUG


def _unique_slug(*, city_id: int, title: str, exclude_pk: int | None) -> str:
    """The title's slug, with "-2", "-3", … added when another item of the city has it already."""
    base = news_slug(title)
    others = NewsItem.objects.filter(city_id=city_id, slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# --- permission --------------------------------------------------------------------------------------


def may_write(actor: Any, item: NewsItem) -> bool:
    return has_permission(actor, "news.write_news", item)


def may_review(actor: Any, item: NewsItem) -> bool:
    """The district manager of the item's district, and never the item's own author."""
    return getattr(actor, "pk", None) != item.author_id and has_permission(actor, "news.review_news", item)


def may_withdraw(actor: Any, item: NewsItem) -> bool:
    return has_permission(actor, "news.withdraw_news", item)


def _denied() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this here."))


# --- checks ------------------------------------------------------------------------------------------


def _text(
    value: object,
    *,
    field: str,
    limit: int,
    errors: dict[str, list[str]],
    required: str = "",
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = normalize_text(value, multiline=multiline)
    if len(text) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    elif not text and required:
        errors[field] = [required]
    return text


def _locked(item: NewsItem, *, version: int | None) -> NewsItem:
    locked = NewsItem.objects.select_for_update().get(pk=item.pk)
    if version is not None and locked.version != version:
        raise ConflictError(
            _("Someone else changed this news item after you opened it. Reload the page and try again.")
        )
    return locked


def _require_move(item: NewsItem, to: str) -> None:
    if (item.state, to) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _("A news item that is “%(current)s” cannot become “%(target)s”.")
            % {"current": NewsState(item.state).label, "target": NewsState(to).label}
        )


def _snapshot(item: NewsItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "slug": item.slug,
        "summary": item.summary,
        "neighborhood": item.neighborhood_id,
        "publish_at": item.publish_at.isoformat() if item.publish_at else None,
        "image": item.lead_image.name if item.lead_image else "",
        "state": item.state,
        "version": item.version,
    }


# --- saving a draft ----------------------------------------------------------------------------------


@transaction.atomic
def news_save(
    *,
    actor: Any,
    district: District,
    title: object,
    summary: object,
    body: object = "",
    neighborhood: Neighborhood | None = None,
    publish_at: object = None,
    lead_image: UploadedFile | None = None,
    lead_image_alt: object = "",
    remove_image: bool = False,
    item: NewsItem | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> NewsItem:
    """Create a draft, or change one (only drafts change). `version` is the one the form was drawn from."""
    now = now or timezone.now()
    if item is not None:
        item = _locked(item, version=version)
        if item.state != NewsState.DRAFT:
            raise TransitionNotAllowed(_("Only a draft can be changed; send it back to draft first."))
        before: dict[str, Any] | None = _snapshot(item)
        if not may_write(actor, item):
            raise _denied()
    else:
        item = NewsItem(author=actor if getattr(actor, "is_authenticated", False) else None)
        before = None
    errors: dict[str, list[str]] = {}
    if neighborhood is not None and neighborhood.district_id != district.pk:
        errors["neighborhood"] = [_("Choose a neighborhood of the item's district.")]
    item.city_id, item.district = district.city_id, district
    item.neighborhood = neighborhood if "neighborhood" not in errors else None
    item.area_id = item.neighborhood.area_id if item.neighborhood is not None else None
    # Checked where the item would sit, so nobody writes outside their own scope.
    if not may_write(actor, item):
        raise _denied()
    item.title = _text(title, field="title", limit=TITLE_MAX, errors=errors, required=_("Enter a title."))
    item.summary = _text(
        summary, field="summary", limit=SUMMARY_MAX, errors=errors, required=_("Enter a short summary.")
    )
    raw_body = body if isinstance(body, str) else ""
    if len(raw_body) > BODY_MAX:
        errors["body"] = [_("The text is too long: at most %(limit)s characters.") % {"limit": BODY_MAX}]
    item.body = clean_html(raw_body[:BODY_MAX])
    if publish_at not in (None, ""):
        if not isinstance(publish_at, datetime) or timezone.is_naive(publish_at):
            errors["publish_at"] = [_("Enter the date it may be published from.")]
        elif publish_at < now - PAST_TOLERANCE:
            errors["publish_at"] = [_("The publish date cannot be in the past.")]
        elif publish_at > now + MAX_AHEAD:
            errors["publish_at"] = [_("The publish date can be at most a year ahead.")]
        else:
            item.publish_at = publish_at
    else:
        item.publish_at = None
    alt = _text(lead_image_alt, field="lead_image_alt", limit=ALT_MAX, errors=errors)
    cleaned_image = None
    if lead_image is not None:
        try:
            cleaned_image = sanitize_image(lead_image)
        except ValidationError as exc:
            errors["lead_image"] = exc.messages
    keeps_image = cleaned_image is not None or (bool(item.lead_image) and not remove_image)
    if keeps_image and not alt:
        errors["lead_image_alt"] = [_("Describe the image for people who cannot see it.")]
    if errors:
        raise ValidationError(errors)
    item.lead_image_alt = alt if keeps_image else ""
    item.slug = _unique_slug(city_id=item.city_id, title=item.title, exclude_pk=item.pk)
    old_image = item.lead_image.name if item.lead_image and (remove_image or cleaned_image) else ""
    if old_image:
        item.lead_image = ""
    if item.pk is not None:
        item.version += 1
    item.save()
    if cleaned_image is not None:
        item.lead_image.save(cleaned_image.name, cleaned_image, save=False)
    try:
        if cleaned_image is not None:
            item.save(update_fields=["lead_image"])
        event_record(
            actor=actor,
            action="news.item.created" if before is None else "news.item.updated",
            obj=item,
            before=before,
            after=_snapshot(item),
        )
    except Exception:
        # The transaction takes the row back; the file just written it cannot.
        if cleaned_image is not None:
            item.lead_image.delete(save=False)
        raise
    if old_image:
        storage = NewsItem._meta.get_field("lead_image").storage
        # The old file goes only once the row surely no longer names it.
        transaction.on_commit(lambda: storage.delete(old_image))
    return item


# --- the lifecycle -----------------------------------------------------------------------------------


@transaction.atomic
def news_submit(
    *, actor: Any, item: NewsItem, version: int | None = None, now: datetime | None = None
) -> NewsItem:
    """The author (or another writer of its place) sends the draft to the district manager."""
    locked = _locked(item, version=version)
    if not may_write(actor, locked):
        raise _denied()
    _require_move(locked, NewsState.IN_REVIEW)
    locked.state, locked.submitted_at, locked.review_note = NewsState.IN_REVIEW, now or timezone.now(), ""
    locked.version += 1
    locked.save(update_fields=["state", "submitted_at", "review_note", "version", "updated_at"])
    event_record(actor=actor, action="news.item.submitted", obj=locked, after=_snapshot(locked))
    return locked


@transaction.atomic
def news_publish(
    *, actor: Any, item: NewsItem, version: int | None = None, now: datetime | None = None
) -> NewsItem:
    """Published by a district manager of its district who did not write it; public from its publish
    date, or from now when it has none or that date has passed."""
    now = now or timezone.now()
    locked = _locked(item, version=version)
    if not may_review(actor, locked):
        if getattr(actor, "pk", None) == locked.author_id:
            raise PermissionDenied(_("Another person must review and publish what you wrote."))
        raise _denied()
    _require_move(locked, NewsState.PUBLISHED)
    before = _snapshot(locked)
    if locked.publish_at is None or locked.publish_at < now:
        locked.publish_at = now
    locked.state, locked.reviewer, locked.reviewed_at = NewsState.PUBLISHED, actor, now
    locked.version += 1
    locked.save(update_fields=["state", "reviewer", "reviewed_at", "publish_at", "version", "updated_at"])
    event_record(
        actor=actor, action="news.item.published", obj=locked, before=before, after=_snapshot(locked)
    )
    if locked.publish_at <= now:
        _followers_notify(item=locked, actor=actor)
    return locked


def _followers_notify(*, item: NewsItem, actor: Any) -> int:
    """Tell the followers of the item's neighborhood (of every neighborhood of its district, for a district
    item) that it is out, each person once. Items dated ahead are not announced: nothing runs when their
    date comes, and telling of them early would show them before they are public."""
    if item.neighborhood_id:
        neighborhoods = [item.neighborhood_id]
    else:
        in_district = Neighborhood.objects.filter(district_id=item.district_id).order_by("id")
        neighborhoods = list(in_district.values_list("id", flat=True))
    place = item.neighborhood if item.neighborhood_id else item.district
    context = {
        "event": "news",
        "neighborhood": str(place),
        "title": item.title,
        "url": item.get_absolute_url(),
    }
    told = 0
    for neighborhood_id in neighborhoods:
        # One occasion per item: a person following several of the district's neighborhoods is told once.
        told += neighborhood_followers_notify(
            neighborhood_id=neighborhood_id,
            city_id=item.city_id,
            kind="news.item.published",
            template="neighborhood_news",
            context=context,
            exclude_user_ids=[getattr(actor, "pk", None), item.author_id],
            dedupe_key=f"news:{item.pk}:published",
        )
    return told


@transaction.atomic
def news_send_back(
    *, actor: Any, item: NewsItem, note: object, version: int | None = None, now: datetime | None = None
) -> NewsItem:
    """The reviewer returns it to draft, saying what to change."""
    locked = _locked(item, version=version)
    if not may_review(actor, locked):
        raise _denied()
    _require_move(locked, NewsState.DRAFT)
    errors: dict[str, list[str]] = {}
    text = _text(
        note,
        field="note",
        limit=NOTE_MAX,
        errors=errors,
        required=_("Say what should change before it is published."),
        multiline=True,
    )
    if errors:
        raise ValidationError(errors)
    locked.state, locked.review_note = NewsState.DRAFT, text
    locked.reviewer, locked.reviewed_at = actor, now or timezone.now()
    locked.version += 1
    locked.save(update_fields=["state", "review_note", "reviewer", "reviewed_at", "version", "updated_at"])
    event_record(actor=actor, action="news.item.sent_back", obj=locked, after=_snapshot(locked), note=text)
    return locked


@transaction.atomic
def news_withdraw(
    *, actor: Any, item: NewsItem, reason: object, version: int | None = None, now: datetime | None = None
) -> NewsItem:
    """Taken down by the district's staff, with the reason kept (it leaves every public page and feed)."""
    locked = _locked(item, version=version)
    if not may_withdraw(actor, locked):
        raise _denied()
    _require_move(locked, NewsState.WITHDRAWN)
    errors: dict[str, list[str]] = {}
    text = _text(
        reason,
        field="reason",
        limit=NOTE_MAX,
        errors=errors,
        required=_("Say why the news item is withdrawn."),
        multiline=True,
    )
    if errors:
        raise ValidationError(errors)
    locked.state, locked.withdraw_reason, locked.withdrawn_at = (
        NewsState.WITHDRAWN,
        text,
        now or timezone.now(),
    )
    locked.version += 1
    locked.save(update_fields=["state", "withdraw_reason", "withdrawn_at", "version", "updated_at"])
    event_record(actor=actor, action="news.item.withdrawn", obj=locked, after=_snapshot(locked), note=text)
    return locked

"""What residents and councils do around a report: photos, support, follow, comments, ratings,
endorsements; and staff merging a duplicate into its original. Each is a service: a transaction, a
permission check, an audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalat.accounts.rules import require_permission
from mahalat.audit.services import event_record
from mahalat.persian.text import normalize_text
from mahalat.reports.models import (
    Report,
    ReportComment,
    ReportEndorsement,
    ReportFollow,
    ReportPhoto,
    ReportRating,
    ReportState,
    ReportSupport,
)
from mahalat.reports.services import report_transition
from mahalat.uploads import sanitize_image

MAX_INTAKE_PHOTOS = 5
COMMENT_MAX = 2000


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_photo_add(
    *, actor: Any | None, report: Report, image: UploadedFile, is_resolution: bool = False
) -> ReportPhoto:
    """A photo of the problem (the reporter, while the report is new, at most five) or of the fix (staff)."""
    locked = _locked(report)
    if is_resolution:
        require_permission(actor, "reports.handle_report", locked)
    elif actor is not None or locked.reporter_id is not None:
        # The reporter's own photos; actor None is an anonymous reporter at intake.
        require_permission(actor, "reports.confirm_resolution", locked)
    if not is_resolution and locked.state not in {ReportState.UNVERIFIED, ReportState.SUBMITTED}:
        raise ValidationError({"image": [_("Photos can be added only while the report is new.")]})
    count = locked.photos.filter(is_resolution=is_resolution).count()
    if not is_resolution and count >= MAX_INTAKE_PHOTOS:
        raise ValidationError({"image": [_("At most %(limit)s photos.") % {"limit": MAX_INTAKE_PHOTOS}]})
    try:
        clean = sanitize_image(image)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    photo = ReportPhoto(report=locked, is_resolution=is_resolution, position=count + 1)
    photo.image.save(clean.name, clean, save=False)
    try:
        photo.save()
        event_record(
            actor=actor,
            action="reports.report.photo_added",
            obj=locked,
            after={"photo": photo.pk, "is_resolution": is_resolution},
        )
    except Exception:
        photo.image.delete(save=False)  # the transaction rolls back; the file must not stay behind
        raise
    return photo


@transaction.atomic
def report_support(*, actor: Any, report: Report) -> Report:
    """ "Me too" — once per person, never on one's own report."""
    locked = _locked(report)
    if locked.reporter_id is not None and locked.reporter_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot support your own report."))
    require_permission(actor, "reports.support_report", locked)
    if not locked.is_open:
        raise ValidationError(_("Only open reports can be supported."))
    try:
        with transaction.atomic():
            ReportSupport.objects.create(report=locked, user=actor)
    except IntegrityError as exc:
        raise ValidationError(_("You already support this report.")) from exc
    Report.objects.filter(pk=locked.pk).update(supports_count=F("supports_count") + 1)
    ReportFollow.objects.get_or_create(report=locked, user=actor)
    event_record(actor=actor, action="reports.report.supported", obj=locked)
    locked.refresh_from_db(fields=["supports_count"])
    return locked


@transaction.atomic
def report_support_withdraw(*, actor: Any, report: Report) -> Report:
    locked = _locked(report)
    deleted, _rows = ReportSupport.objects.filter(report=locked, user=actor).delete()
    if not deleted:
        raise ValidationError(_("You do not support this report."))
    Report.objects.filter(pk=locked.pk).update(supports_count=F("supports_count") - 1)
    event_record(actor=actor, action="reports.report.support_withdrawn", obj=locked)
    locked.refresh_from_db(fields=["supports_count"])
    return locked


@transaction.atomic
def report_follow(*, actor: Any, report: Report, follow: bool = True) -> bool:
    """Start or stop following a report's progress (in-app notifications). Returns whether it is followed."""
    require_permission(actor, "reports.follow_report", report)
    if follow:
        ReportFollow.objects.get_or_create(report=report, user=actor)
    else:
        ReportFollow.objects.filter(report=report, user=actor).delete()
    return follow


@transaction.atomic
def report_comment_add(*, actor: Any, report: Report, text: str) -> ReportComment:
    require_permission(actor, "reports.comment_report", report)
    text = normalize_text(text or "", multiline=True)
    if not text:
        raise ValidationError({"text": [_("Write your comment.")]})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"text": [_("At most %(limit)s characters.") % {"limit": COMMENT_MAX}]})
    comment = ReportComment.objects.create(
        report=report, city_id=report.city_id, neighborhood_id=report.neighborhood_id, author=actor, text=text
    )
    event_record(
        actor=actor,
        action="reports.comment.added",
        obj=comment,
        after={"report": report.pk},
        city_id=report.city_id,
        district_id=report.district_id,
        neighborhood_id=report.neighborhood_id,
    )
    return comment


@transaction.atomic
def report_comment_hide(*, actor: Any, comment: ReportComment, reason: str) -> ReportComment:
    """Hide a comment from the public page. The text stays as written, for the record."""
    locked = ReportComment.objects.select_for_update().select_related("report").get(pk=comment.pk)
    require_permission(actor, "reports.moderate_comment", locked.report)
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"reason": [_("Say why the comment is hidden.")]})
    if locked.is_hidden:
        raise ValidationError(_("This comment is already hidden."))
    locked.is_hidden, locked.hidden_by, locked.hidden_at, locked.hidden_reason = (
        True,
        actor,
        timezone.now(),
        reason[:300],
    )
    locked.save(update_fields=["is_hidden", "hidden_by", "hidden_at", "hidden_reason"])
    event_record(
        actor=actor,
        action="reports.comment.hidden",
        obj=locked,
        after={"reason": locked.hidden_reason},
        city_id=locked.city_id,
        district_id=locked.report.district_id,
        neighborhood_id=locked.neighborhood_id,
    )
    return locked


@transaction.atomic
def report_rate(*, actor: Any, report: Report, score: int, comment: str = "") -> ReportRating:
    """The reporter's satisfaction, once, after the report is closed."""
    locked = _locked(report)
    require_permission(actor, "reports.rate_report", locked)
    errors: dict[str, list[str]] = {}
    if locked.state != ReportState.CLOSED:
        errors["score"] = [_("You can rate the outcome once the report is closed.")]
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = [_("Choose from 1 to 5.")]
    comment = normalize_text(comment or "", multiline=True)
    if len(comment) > 1000:
        errors["comment"] = [_("At most %(limit)s characters.") % {"limit": 1000}]
    if ReportRating.objects.filter(report=locked).exists():
        errors["score"] = [_("You have already rated this report.")]
    if errors:
        raise ValidationError(errors)
    rating = ReportRating.objects.create(report=locked, score=score, comment=comment)
    event_record(actor=actor, action="reports.report.rated", obj=locked, after={"score": score})
    return rating


@transaction.atomic
def report_endorse(
    *, actor: Any, report: Report, note: str = "", propose_for_agenda: bool = False
) -> ReportEndorsement:
    """The neighborhood council backs a report, perhaps proposing it for a meeting's agenda."""
    require_permission(actor, "reports.endorse_report", report)
    note = normalize_text(note or "", multiline=True)
    if len(note) > 2000:
        raise ValidationError({"note": [_("At most %(limit)s characters.") % {"limit": 2000}]})
    endorsement, created = ReportEndorsement.objects.update_or_create(
        report=report, endorsed_by=actor, defaults={"note": note, "proposed_for_agenda": propose_for_agenda}
    )
    event_record(
        actor=actor,
        action="reports.report.endorsed",
        obj=report,
        after={"note": note, "proposed_for_agenda": propose_for_agenda, "first": created},
    )
    return endorsement


@transaction.atomic
def report_merge(*, actor: Any, duplicate: Report, original: Report, note: str = "") -> Report:
    """Mark `duplicate` as a duplicate of `original`, moving its supporters and followers over."""
    require_permission(actor, "reports.merge_report", duplicate)
    require_permission(actor, "reports.merge_report", original)
    merged = report_transition(
        actor=actor, report=duplicate, to=ReportState.DUPLICATE, duplicate_of=original, note=note
    )
    target = merged.duplicate_of
    assert target is not None
    moved_supports = 0
    existing = set(ReportSupport.objects.filter(report=target).values_list("user_id", flat=True))
    people = {merged.reporter_id} | set(
        ReportSupport.objects.filter(report=merged).values_list("user_id", flat=True)
    )
    for user_id in sorted(p for p in people if p and p not in existing and p != target.reporter_id):
        ReportSupport.objects.create(report=target, user_id=user_id)
        moved_supports += 1
    followers = set(ReportFollow.objects.filter(report=merged).values_list("user_id", flat=True))
    followers |= {merged.reporter_id} - {None}
    already = set(ReportFollow.objects.filter(report=target).values_list("user_id", flat=True))
    ReportFollow.objects.bulk_create(
        [ReportFollow(report=target, user_id=u) for u in sorted(followers - already)]
    )
    if moved_supports:
        Report.objects.filter(pk=target.pk).update(supports_count=F("supports_count") + moved_supports)
    event_record(
        actor=actor,
        action="reports.report.merged",
        obj=target,
        after={
            "duplicate": merged.pk,
            "supports_moved": moved_supports,
            "followers_moved": len(followers - already),
        },
    )
    target.refresh_from_db()
    return target

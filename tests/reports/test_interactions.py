from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mahalat.audit.models import Event
from mahalat.reports.interactions import (
    report_comment_add,
    report_comment_hide,
    report_endorse,
    report_follow,
    report_merge,
    report_photo_add,
    report_rate,
    report_support,
    report_support_withdraw,
)
from mahalat.reports.models import Report, ReportFollow, ReportPhoto, ReportState, ReportSupport
from mahalat.reports.services import report_submit, report_transition
from tests.factories import UserFactory

S = ReportState


def jpeg(size=(800, 600)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def new_report(town, who="citizen") -> Report:
    return report_submit(
        actor=town.people[who],
        city=town.city,
        description="چاله عمیق",
        lat=town.P1[0],
        lng=town.P1[1],
        category_slug="lighting",
    )


def close(town, report: Report) -> Report:
    officer = town.people["area_officer"]
    for to, note in [(S.TRIAGED, ""), (S.IN_PROGRESS, ""), (S.RESOLVED, "درست شد")]:
        report = report_transition(actor=officer, report=report, to=to, note=note)
    return report_transition(actor=town.people["citizen"], report=report, to=S.CLOSED)


def test_intake_photos_at_most_five_and_only_while_new(town) -> None:
    report = new_report(town)
    for _ in range(5):
        report_photo_add(actor=town.people["citizen"], report=report, image=jpeg())
    with pytest.raises(ValidationError):
        report_photo_add(actor=town.people["citizen"], report=report, image=jpeg())
    with pytest.raises(PermissionDenied):
        report_photo_add(actor=town.people["neighbor"], report=new_report(town), image=jpeg())
    with pytest.raises(ValidationError) as exc:
        report_photo_add(
            actor=town.people["citizen"],
            report=new_report(town),
            image=SimpleUploadedFile("x.jpg", b"GIF89a-not-really", content_type="image/jpeg"),
        )
    assert "image" in exc.value.message_dict
    assert ReportPhoto.objects.count() == 5


def test_resolution_photo_by_staff(town) -> None:
    report = new_report(town)
    report_photo_add(actor=town.people["area_officer"], report=report, image=jpeg(), is_resolution=True)
    with pytest.raises(PermissionDenied):
        report_photo_add(actor=town.people["deputy"], report=report, image=jpeg(), is_resolution=True)


def test_support_once_not_own_and_withdraw(town) -> None:
    report = new_report(town)
    neighbor = town.people["neighbor"]
    assert report_support(actor=neighbor, report=report).supports_count == 1
    with pytest.raises(ValidationError):
        report_support(actor=neighbor, report=report)
    with pytest.raises(ValidationError):
        report_support(actor=town.people["citizen"], report=report)
    assert ReportFollow.objects.filter(report=report, user=neighbor).exists()
    assert report_support_withdraw(actor=neighbor, report=report).supports_count == 0
    with pytest.raises(ValidationError):
        report_support_withdraw(actor=neighbor, report=report)


def test_comments_and_moderation_keep_the_original(town) -> None:
    report = new_report(town)
    comment = report_comment_add(actor=town.people["neighbor"], report=report, text="من هم دیدم")
    with pytest.raises(ValidationError):
        report_comment_add(actor=town.people["neighbor"], report=report, text="   ")
    with pytest.raises(PermissionDenied):
        report_comment_hide(actor=town.people["deputy"], comment=comment, reason="توهین")
    with pytest.raises(ValidationError):
        report_comment_hide(actor=town.people["area_officer"], comment=comment, reason="")
    hidden = report_comment_hide(actor=town.people["area_officer"], comment=comment, reason="توهین‌آمیز")
    assert hidden.is_hidden and hidden.text == "من هم دیدم"
    assert Event.objects.filter(action="reports.comment.hidden").exists()


def test_no_comments_on_private_reports(town) -> None:
    town.lighting.public_by_default = False
    town.lighting.save()
    with pytest.raises(PermissionDenied):
        report_comment_add(actor=town.people["neighbor"], report=new_report(town), text="سلام")


def test_rating_after_closure_once_by_the_reporter(town) -> None:
    report = new_report(town)
    with pytest.raises(ValidationError):
        report_rate(actor=town.people["citizen"], report=report, score=5)
    report = close(town, report)
    with pytest.raises(PermissionDenied):
        report_rate(actor=town.people["neighbor"], report=report, score=5)
    for bad in (0, 6, "5", True):
        with pytest.raises(ValidationError):
            report_rate(actor=town.people["citizen"], report=report, score=bad)
    assert report_rate(actor=town.people["citizen"], report=report, score=4, comment="سریع بود").score == 4
    with pytest.raises(ValidationError):
        report_rate(actor=town.people["citizen"], report=report, score=5)


def test_council_endorses_its_own_neighborhood(town) -> None:
    report = new_report(town)
    endorsement = report_endorse(
        actor=town.people["council_chair"], report=report, note="اولویت دارد", propose_for_agenda=True
    )
    assert endorsement.proposed_for_agenda
    other = report_submit(
        actor=town.people["citizen"],
        city=town.city,
        description="x",
        lat=town.P2[0],
        lng=town.P2[1],
        category_slug="lighting",
    )
    with pytest.raises(PermissionDenied):
        report_endorse(actor=town.people["council_chair"], report=other)
    with pytest.raises(PermissionDenied):
        report_endorse(actor=town.people["area_officer"], report=report)


def test_merge_moves_supporters_and_followers(town) -> None:
    original = new_report(town)
    duplicate = new_report(town, who="neighbor")
    supporter = UserFactory()
    report_support(actor=supporter, report=duplicate)
    report_follow(actor=town.people["deputy"], report=duplicate)
    merged = report_merge(actor=town.people["area_officer"], duplicate=duplicate, original=original)
    assert merged.pk == original.pk
    assert Report.objects.get(pk=duplicate.pk).state == S.DUPLICATE
    assert set(ReportSupport.objects.filter(report=original).values_list("user_id", flat=True)) == {
        supporter.pk,
        town.people["neighbor"].pk,
    }
    assert merged.supports_count == 2
    assert ReportFollow.objects.filter(report=original, user=town.people["deputy"]).exists()
    with pytest.raises(PermissionDenied):
        report_merge(actor=town.people["deputy"], duplicate=new_report(town), original=original)

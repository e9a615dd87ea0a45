"""The public accountability page, a resolution's public page, the staff tracker and staff page, the
council workspace's tracker panel and the report pages' links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mahalat.persian.jalali import format_jalali_date
from mahalat.resolutions.models import Milestone, Resolution, ResolutionState
from mahalat.resolutions.services import resolution_transition
from tests.resolutions.conftest import bulk_resolutions, make_report

pytestmark = pytest.mark.django_db

S = ResolutionState


def test_accountability_page_shows_public_resolutions_and_true_counts(
    client: Client, council_world: Any, django_assert_max_num_queries: Any
) -> None:
    council = council_world.council
    yesterday = timezone.localdate() - timedelta(days=1)
    bulk_resolutions(council, 45, start=1)
    bulk_resolutions(council, 3, start=100, deadline=yesterday, state=S.IN_PROGRESS)  # overdue
    bulk_resolutions(council, 2, start=200, state=S.DONE, progress=100, finished_at=timezone.now())
    secret = bulk_resolutions(council, 1, start=300, is_public=False, title="موضوع امنیتی")[0]
    bulk_resolutions(council, 1, start=1, jalali_year=1404)
    url = reverse("resolutions:accountability", kwargs={"slug": council_world.n1.slug})
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.total, summary.done, summary.overdue, summary.open) == (51, 2, 3, 49)
    assert summary.on_time_percent == 40  # 2 done on time of the 5 whose deadline came
    page = response.context["page"]
    assert page.paginator.count == 51 and len(page.object_list) == 20
    body = response.content.decode()
    assert secret.title not in body
    assert "۱۴۰۵/۲۰۱" in body and "۱۴۰۵/۳۰۰" not in body  # newest public number first, in Persian
    # Filters: overdue, state, year; and the last page.
    assert client.get(url, {"overdue": "on"}).context["page"].paginator.count == 3
    assert client.get(url, {"state": "done"}).context["page"].paginator.count == 2
    assert client.get(url, {"year": "1404"}).context["page"].paginator.count == 1
    assert client.get(url, {"year": "1390"}).context["page"].paginator.count == 51  # not offered: ignored
    assert client.get(url, {"state": "nonsense"}).context["page"].paginator.count == 51
    last = client.get(url, {"page": 3, "state": "adopted"})
    assert last.status_code == 200 and len(last.context["page"].object_list) == 6
    assert client.get(reverse("resolutions:accountability", kwargs={"slug": "nowhere"})).status_code == 404


def test_public_page_of_a_resolution(client: Client, council_world: Any, adopt: Any) -> None:
    people = council_world.people
    public_report = make_report(council_world.n1, reporter=people["resident"])
    private_report = make_report(council_world.n1, reporter=people["citizen"], is_public=False)
    resolution = adopt(report_ids=(public_report.pk, private_report.pk))
    resolution = resolution_transition(actor=people["district_officer"], resolution=resolution, to=S.ASSIGNED)
    Milestone.objects.create(resolution=resolution, title="خرید تیر چراغ", due_on=resolution.deadline)
    response = client.get(reverse("resolutions:detail", args=[resolution.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert resolution.title in body and "خرید تیر چراغ" in body
    assert format_jalali_date(resolution.deadline, style="long", digits="persian") in body
    assert reverse("portal:report", args=[public_report.tracking_code]) in body
    assert private_report.tracking_code not in body  # a private report is not named to the public
    assert reverse("resolutions:staff-detail", args=[resolution.pk]) not in body
    secret = adopt(is_private=True)
    assert client.get(reverse("resolutions:detail", args=[secret.pk])).status_code == 404
    client.force_login(people["district_officer"])
    assert client.get(reverse("resolutions:detail", args=[secret.pk])).status_code == 200


def test_staff_tracker_is_scoped_filtered_and_bounded(
    client: Client, council_world: Any, django_assert_max_num_queries: Any
) -> None:
    people = council_world.people
    bulk_resolutions(council_world.council, 60)
    bulk_resolutions(council_world.other_council, 2, title="در منطقه دو")
    url = reverse("resolutions:staff-list")
    client.force_login(people["citizen"])
    assert client.get(url).status_code == 403
    client.force_login(people["district_officer"])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 60
    assert "در منطقه دو" not in response.content.decode()
    assert (
        client.get(url, {"neighborhood": council_world.n1.slug, "state": "adopted"})
        .context["page"]
        .paginator.count
        == 60
    )
    assert client.get(url, {"responsible": "agency"}).context["page"].paginator.count == 0
    client.force_login(people["deputy"])
    assert client.get(url).context["page"].paginator.count == 62
    assert client.get(reverse("resolutions:attention")).status_code == 200


def test_staff_page_assigns_reports_progress_and_refuses_what_it_must(
    client: Client, council_world: Any, adopt: Any
) -> None:
    people = council_world.people
    resolution = adopt()
    url = reverse("resolutions:staff-detail", args=[resolution.pk])
    # Not in this officer's district: not found.
    client.force_login(people["other_district_officer"])
    assert client.get(url).status_code == 404
    # The chair reads it but may not assign it.
    client.force_login(council_world.chair)
    assert client.get(url).status_code == 200
    forbidden = client.post(
        url, {"action": "to-assigned", "to-assigned-expected_version": resolution.version}
    )
    assert forbidden.status_code == 403
    client.force_login(people["district_officer"])
    page = client.get(url)
    assert [f.target for f in page.context["forms"]] == [S.ASSIGNED, S.NOT_FEASIBLE]
    form = {
        "action": "to-assigned",
        "to-assigned-expected_version": resolution.version,
        "to-assigned-responsible_kind": "district",
        "to-assigned-deadline": "not a date",
    }
    assert client.post(url, form).status_code == 400
    assert Resolution.objects.get(pk=resolution.pk).state == S.ADOPTED
    form["to-assigned-deadline"] = format_jalali_date(resolution.deadline, digits="persian")
    assert client.post(url, form).status_code == 302
    assert Resolution.objects.get(pk=resolution.pk).state == S.ASSIGNED
    # The same form sent again is stale (409), and changes nothing.
    stale = client.post(
        url,
        {
            **form,
            "action": "to-not_feasible",
            "to-not_feasible-note": "نمی‌شود",
            "to-not_feasible-expected_version": resolution.version,
        },
    )
    assert stale.status_code == 409
    # Out of order: "done" from "assigned".
    assert client.post(url, {"action": "to-done"}).status_code == 409
    client.force_login(people["area_officer"])
    version = Resolution.objects.get(pk=resolution.pk).version
    response = client.post(
        url,
        {
            "action": "to-in_progress",
            "to-in_progress-expected_version": version,
            "to-in_progress-progress": "35",
        },
    )
    assert response.status_code == 302
    assert Resolution.objects.get(pk=resolution.pk).progress == 35
    # Milestones from the page.
    due = format_jalali_date(timezone.localdate() + timedelta(days=3), digits="ascii")
    assert (
        client.post(
            url, {"action": "milestone-add", "milestone-title": "", "milestone-due_on": due}
        ).status_code
        == 400
    )
    assert (
        client.post(
            url, {"action": "milestone-add", "milestone-title": "خرید", "milestone-due_on": due}
        ).status_code
        == 302
    )
    step = Milestone.objects.get(resolution=resolution)
    assert client.post(url, {"action": "milestone-done", "milestone": step.pk}).status_code == 302
    assert Milestone.objects.get(pk=step.pk).done_on == timezone.localdate()
    assert client.post(url, {"action": "milestone-done", "milestone": step.pk}).status_code == 409


def test_tracker_panel_in_the_council_workspace(
    council_world: Any, django_assert_max_num_queries: Any
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    bulk_resolutions(council_world.council, 30)
    bulk_resolutions(council_world.council, 4, start=50, deadline=yesterday, state=S.ASSIGNED)
    template = Template("{% load resolutions_panels %}{% resolution_tracker_panel council user %}")
    with django_assert_max_num_queries(6):
        html = template.render(Context({"council": council_world.council, "user": council_world.chair}))
    assert "مصوبه" in html
    assert reverse("resolutions:accountability", kwargs={"slug": council_world.n1.slug}) in html
    assert html.count("progressbar") == 5  # the five latest


def test_report_pages_show_the_resolutions_about_them(client: Client, council_world: Any, adopt: Any) -> None:
    people = council_world.people
    report = make_report(council_world.n1, reporter=people["resident"])
    resolution = adopt(report_ids=(report.pk,))
    hidden = adopt(report_ids=(report.pk,), is_private=True, title="موضوع محرمانه")
    public_page = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert reverse("resolutions:detail", args=[resolution.pk]) in public_page
    assert hidden.title not in public_page
    client.force_login(people["area_officer"])
    staff_page = client.get(reverse("workspace:inbox-report", args=[report.tracking_code])).content.decode()
    assert reverse("resolutions:staff-detail", args=[hidden.pk]) in staff_page

"""The demo city's policies and circulars: six over the last year, written by the demo deputy account,
addressed to the districts; most acknowledged by each district's staff, two not yet (one long enough to
be reminded about, one just published), and one policy that set the council rules now in force.

Idempotent (a city that already has policies is left alone). Rows are written directly, as the other
demo loaders do, because they lie in the past (the services date everything now); the data satisfies
every rule the services check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from mahalat.accounts.models import DISTRICT_ROLES, Role, RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.councils.models import CouncilPolicy
from mahalat.councils.selectors import policy_in_force
from mahalat.demo.services import DEMO_ACCOUNTS
from mahalat.meetings.sanitize import clean_html
from mahalat.policies.models import COUNCIL_RULE_FIELDS, Acknowledgement, Policy, PolicyKind, PolicyState
from mahalat.policies.services import jalali_year_of
from mahalat.territory.models import City, District
from mahalat.worktime.calendar import local_date


@dataclass(frozen=True)
class DemoPolicy:
    kind: str
    title: str
    body: str
    days_ago: int
    # "all": every district acknowledged; "one_missing": the last district has not; "none": nobody yet.
    acknowledged: str = "all"
    sets_council_rule: bool = False


DEMO_POLICIES: tuple[DemoPolicy, ...] = (
    DemoPolicy(
        PolicyKind.CIRCULAR,
        "دستورالعمل برگزاری منظم جلسات شوراهای اجتماعی محلات",
        "<p>شوراهای اجتماعی محلات جلسات عادی خود را طبق برنامه ماهانه برگزار کنند و صورتجلسه هر جلسه "
        "حداکثر یک هفته پس از آن در سامانه منتشر شود.</p><ul><li>دعوت‌نامه دست‌کم سه روز پیش از جلسه "
        "ارسال شود.</li><li>حضور مدیر ناحیه در جلسات الزامی است.</li></ul>",
        330,
    ),
    DemoPolicy(
        PolicyKind.POLICY,
        "سیاست قواعد شوراهای اجتماعی محلات: نصاب، آهنگ جلسات و دوره فعالیت",
        "<p>از تاریخ اجرای این سیاست، قواعد زیر برای همه شوراهای اجتماعی محلات شهر لازم‌الاجراست. "
        "جلساتی که پیش از این تاریخ برگزار شده‌اند با قاعده زمان برگزاری خود سنجیده می‌شوند.</p>",
        300,
        sets_council_rule=True,
    ),
    DemoPolicy(
        PolicyKind.CIRCULAR,
        "بخشنامه پاسخگویی به گزارش‌های شهروندی در مهلت مقرر",
        "<p>مناطق موظفند گزارش‌های شهروندی را در مهلت تعیین‌شده برای هر دسته بررسی و پاسخ دهند. "
        "گزارش‌های معوق هر هفته در جلسه شورای معاونت بررسی می‌شود.</p>",
        200,
    ),
    DemoPolicy(
        PolicyKind.POLICY,
        "سیاست افزایش مشارکت زنان و جوانان در برنامه‌های فرهنگی اجتماعی",
        "<p>دست‌کم یک‌سوم برنامه‌های فرهنگی اجتماعی هر منطقه با مشارکت گروه‌های زنان و جوانان محله "
        "طراحی و اجرا شود.</p>",
        120,
    ),
    DemoPolicy(
        PolicyKind.CIRCULAR,
        "بخشنامه برنامه‌های فرهنگی دهه فجر در محلات",
        "<p>برنامه‌های دهه فجر هر محله تا پایان هفته آینده در سامانه ثبت و برای هماهنگی به ناحیه "
        "اعلام شود.</p>",
        40,
        acknowledged="one_missing",
    ),
    DemoPolicy(
        PolicyKind.CIRCULAR,
        "بخشنامه نیازسنجی محله‌ای سال ۱۴۰۵",
        "<p>نیازسنجی ساکنان محلات با پرسشنامه مصوب معاونت در ماه آینده انجام و نتایج آن به شوراها "
        "ارائه شود.</p>",
        1,
        acknowledged="none",
    ),
)


def _deputy(city: City) -> User | None:
    """The demo deputy account when it is this city's deputy, else the city's first deputy."""
    deputies = list(
        RoleAssignment.objects.active()
        .filter(role=Role.DEPUTY, city_id=city.pk, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    phone = next((a["phone"] for a in DEMO_ACCOUNTS if a["role"] == Role.DEPUTY), None)
    demo_phone = normalize_phone(phone) if phone else None
    demo = next((row.user for row in deputies if row.user.phone == demo_phone), None)
    return demo or (deputies[0].user if deputies else None)


def _acknowledgers(districts: list[District]) -> dict[int, User]:
    """Each district's manager (else its social officer), who acknowledges for it."""
    chosen: dict[int, User] = {}
    rows = (
        RoleAssignment.objects.active()
        .filter(role__in=DISTRICT_ROLES, district__in=districts)
        .select_related("user")
        .order_by("district_id", "role", "user_id")  # "district_manager" sorts before "district_officer"
    )
    for row in rows:
        chosen.setdefault(row.district_id, row.user)
    return chosen


def _rule_version(city: City, *, published_at: datetime) -> CouncilPolicy:
    """The council rule version the rule-carrying policy set, from a week after its publication. It
    restates the rule in force before it (so the demo's meetings and indicators read the same), which is
    what a reaffirming policy does; a real change goes through `policies.services.policy_publish`."""
    start = local_date(published_at) + timedelta(days=7)
    before = policy_in_force(city_id=city.pk, on=start - timedelta(days=1))
    rule, _created = CouncilPolicy.objects.get_or_create(
        city=city,
        in_force_from=start,
        defaults={name: getattr(before, name) for name in COUNCIL_RULE_FIELDS},
    )
    return rule


@transaction.atomic
def load_demo_policies(*, city: City, now: datetime) -> str:
    """Load the demo policies and circulars of `city` unless it has some already; a one-line summary."""
    if Policy.objects.filter(city=city).exists():
        return _("Policies and circulars: already loaded (%(count)s).") % {
            "count": Policy.objects.filter(city=city).count()
        }
    deputy = _deputy(city)
    if deputy is None:
        return _("Policies and circulars: the city has no deputy account.")
    districts = list(District.objects.filter(city=city).order_by("number", "id"))
    if not districts:
        return _("Policies and circulars: the city has no districts.")
    acknowledgers = _acknowledgers(districts)
    sequences: dict[tuple[str, int], int] = {}
    pending = 0
    for index, item in enumerate(DEMO_POLICIES):
        published_at = now - timedelta(days=item.days_ago, hours=3)
        year = jalali_year_of(published_at)
        sequences[(item.kind, year)] = sequences.get((item.kind, year), 0) + 1
        policy = Policy(
            city=city,
            kind=item.kind,
            jalali_year=year,
            sequence=sequences[(item.kind, year)],
            title=item.title,
            body=clean_html(item.body),
            effective_from=local_date(published_at) + timedelta(days=3),
            all_districts=True,
            state=PolicyState.PUBLISHED,
            created_by=deputy,
            created_at=published_at - timedelta(days=2),
            updated_at=published_at,
            published_by=deputy,
            published_at=published_at,
        )
        if item.sets_council_rule:
            rule = _rule_version(city, published_at=published_at)
            policy.sets_council_rule = True
            policy.council_policy = rule
            policy.effective_from = rule.in_force_from
            for name in COUNCIL_RULE_FIELDS:
                setattr(policy, name, getattr(rule, name))
        policy.save()
        policy.target_districts.set(districts)
        rows = []
        for position, district in enumerate(districts):
            who = acknowledgers.get(district.pk)
            missing = item.acknowledged == "none" or (
                item.acknowledged == "one_missing" and position == len(districts) - 1
            )
            if who is None or missing:
                pending += 1
                # The long-silent district has been reminded before (at most once a day).
                reminded = item.days_ago > 3 and who is not None
                rows.append(
                    Acknowledgement(
                        policy=policy,
                        city=city,
                        district=district,
                        last_reminded_on=local_date(now) - timedelta(days=1) if reminded else None,
                        reminders_sent=min(item.days_ago - 3, 5) if reminded else 0,
                    )
                )
                continue
            rows.append(
                Acknowledgement(
                    policy=policy,
                    city=city,
                    district=district,
                    acknowledged_by=who,
                    acknowledged_at=published_at + timedelta(days=1 + (index + position) % 4, hours=2),
                )
            )
        Acknowledgement.objects.bulk_create(rows)
    return _(
        "Policies and circulars: %(published)s published, %(pending)s district acknowledgements "
        "still pending."
    ) % {
        "published": len(DEMO_POLICIES),
        "pending": pending,
    }

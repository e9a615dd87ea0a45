"""Loading the demo city «کوهسار (شهر نمایشی)»: territory, agencies (with a liaison account each),
one account per role, and the service-level agreements the deputy's account sets for referrals.

`demo_city_load` is idempotent: a second run finds everything in place and writes nothing (not even
an audit event), so `make run` can call it on every start.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TypedDict

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from mahalat.accounts.models import ROLE_SCOPE_KIND, Role, RoleAssignment, User
from mahalat.accounts.phone import normalize_phone
from mahalat.accounts.services import resolve_scope, role_assign, user_register
from mahalat.audit.services import event_record
from mahalat.demo.categories import CATEGORY_SEEDS, CategorySeed
from mahalat.demo.city import (
    AGENCIES,
    AGREEMENTS,
    CITY_NAME,
    CITY_NAME_EN,
    CITY_SLUG,
    COUNCIL_NEIGHBORHOOD_SLUG,
    WATER_AGENCY_SLUG,
    AgencySeed,
    area_slug,
    city_boundary,
    city_population,
    demo_feature_collection,
    district_slug,
)
from mahalat.open311.models import ClientApplication, hash_api_key
from mahalat.open311.services import client_application_create
from mahalat.referrals.models import Agency, ServiceAgreement
from mahalat.referrals.services import agreement_save
from mahalat.reports.models import Category
from mahalat.reports.services import category_save
from mahalat.territory.boundaries import LEVELS, PARENT_LEVEL, boundaries_import, validate_feature_collection
from mahalat.territory.models import City, District
from mahalat.worktime.iranian_holidays import YEARS as HOLIDAY_YEARS
from mahalat.worktime.services import national_holidays_load

# Public on purpose: every demo account uses it, and `manage.py demo_accounts` prints it.
DEMO_PASSWORD = "demo-pass-1405"
# Public on purpose too: the api_key of the demo Open311 client application (`manage.py demo_accounts`).
DEMO_OPEN311_KEY = "demo-open311-key-1405"
DEMO_OPEN311_CLIENT_NAME = "برنامه نمایشی گزارش‌دهی (Open311)"
DEMO_OPEN311_CONTACT = "open311-demo@example.com"
OPEN311_CLIENT = "open311_client"  # the demo client application's label key in demo_accounts
CITIZEN = "citizen"  # the plain resident holds no role; this is only the account's label key


class DemoAccount(TypedDict):
    role: str  # a Role value, or "citizen"
    phone: str  # local form, 0912…
    password: str
    scope_kind: str | None
    scope: str | None  # slug of the city, district, area, neighborhood or agency
    full_name: str
    label: str | Promise


def _account(
    role: str, number: int, full_name: str, scope: str | None, label: str | Promise | None = None
) -> DemoAccount:
    return DemoAccount(
        role=role,
        phone=f"091200000{number:02d}",
        password=DEMO_PASSWORD,
        scope_kind=None if role == CITIZEN else str(ROLE_SCOPE_KIND[role]),
        scope=scope,
        full_name=full_name,
        label=label if label is not None else Role(role).label,
    )


DEMO_ACCOUNTS: list[DemoAccount] = [
    _account(CITIZEN, 1, "مریم رضایی", None, gettext_lazy("Citizen (resident, no role)")),
    _account(Role.COUNCIL_MEMBER, 2, "علی محمدی", COUNCIL_NEIGHBORHOOD_SLUG),
    _account(Role.COUNCIL_CHAIR, 3, "حسن کریمی", COUNCIL_NEIGHBORHOOD_SLUG),
    _account(Role.COUNCIL_SECRETARY, 4, "زهرا احمدی", COUNCIL_NEIGHBORHOOD_SLUG),
    _account(Role.AREA_OFFICER, 5, "رضا حسینی", area_slug(1, 1)),
    _account(Role.DISTRICT_OFFICER, 6, "فاطمه موسوی", district_slug(1)),
    _account(Role.DISTRICT_MANAGER, 7, "محمد جعفری", district_slug(1)),
    *(
        _account(Role.AGENCY_LIAISON, seed.liaison_number, seed.liaison_name, seed.slug)
        for seed in AGENCIES
        if seed.slug == WATER_AGENCY_SLUG  # the featured liaison keeps its place in the list
    ),
    _account(Role.DEPUTY, 9, "سارا نوری", CITY_SLUG),
    _account(Role.CITY_COUNCIL, 10, "ابراهیم کاظمی", CITY_SLUG),
    _account(Role.ADMINISTRATOR, 11, "نرگس عباسی", CITY_SLUG),
    _account(
        Role.DISTRICT_OFFICER,
        12,
        "امیر رحیمی",
        district_slug(2),
        gettext_lazy("District social officer of another district (for scope tests)"),
    ),
    # A liaison for every other agency, so each agency's inbox can be seen from the inside.
    *(
        _account(Role.AGENCY_LIAISON, seed.liaison_number, seed.liaison_name, seed.slug)
        for seed in AGENCIES
        if seed.slug != WATER_AGENCY_SLUG
    ),
]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    city_slug: str
    city_created: bool
    districts: int
    areas: int
    neighborhoods: int
    agencies: int
    categories: int
    users: int  # demo accounts that exist now
    territory_created: int
    territory_updated: int
    agencies_created: int
    categories_created: int
    users_created: int
    assignments_created: int
    seconds: float
    open311_clients_created: int = 0
    agreements: int = 0  # service-level agreements of the demo city now
    agreements_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.city_created
            or self.territory_created
            or self.territory_updated
            or self.agencies_created
            or self.categories_created
            or self.users_created
            or self.assignments_created
            or self.open311_clients_created
            or self.agreements_created
        )


# --- the pieces ---------------------------------------------------------------------------------


def _city_upsert() -> tuple[City, bool]:
    """The demo City by slug: created, or its fields brought back to the demo values. Refuses to touch
    a real city that happens to use the slug."""
    wanted: dict[str, Any] = {
        "name": CITY_NAME,
        "name_en": CITY_NAME_EN,
        "is_demo": True,
        "population": city_population(),
        "boundary": city_boundary(),
    }
    city = City.objects.select_for_update().filter(slug=CITY_SLUG).first()
    if city is None:
        city = City.objects.create(slug=CITY_SLUG, **wanted)
        event_record(
            actor=None,
            action="territory.city.created",
            obj=city,
            # The outline is in the row itself; the event keeps what a person reads.
            after={"slug": CITY_SLUG, **{k: v for k, v in wanted.items() if k != "boundary"}},
            city_id=city.pk,
        )
        return city, True
    if not city.is_demo:
        raise ValidationError(
            _("The city “%(slug)s” exists and is not a demo city; the demo will not overwrite it.")
            % {"slug": CITY_SLUG}
        )
    before = {k: getattr(city, k) for k, v in wanted.items() if getattr(city, k) != v}
    if before:
        for name in before:
            setattr(city, name, wanted[name])
        city.save(update_fields=[*before, "updated_at"])
        event_record(
            actor=None,
            action="territory.city.updated",
            obj=city,
            before=before,
            after={k: wanted[k] for k in before},
            city_id=city.pk,
        )
    return city, False


def _territory_unchanged(city: City, collection: dict[str, Any]) -> bool:
    """Whether the stored territory already equals the file, so the import (which always bumps the
    boundaries version and logs an event) can be skipped. Uses the importer's own plan, so values
    are compared exactly as it would compare them."""
    plan = validate_feature_collection(city=city, collection=collection)
    if plan.problems:
        return False  # let the import raise and report them
    # Ids are per table, so the parent's slug is looked up among the parent level's units only.
    slug_of = {level: {unit.pk: slug for slug, unit in plan.existing[level].items()} for level in LEVELS}
    for planned in plan.units:
        stored = plan.existing[planned.level].get(planned.slug)
        if stored is None:
            return False
        if any(getattr(stored, name) != value for name, value in planned.values.items()):
            return False
        parent_level = PARENT_LEVEL.get(planned.level)
        if (
            parent_level
            and slug_of[parent_level].get(getattr(stored, f"{parent_level}_id")) != planned.parent
        ):
            return False
    return True


def _agency_upsert(*, city: City, seed: AgencySeed) -> bool:
    """Create the agency or bring its fields (and the districts it serves) back to the demo values;
    True when created."""
    wanted = {
        "name": seed.name,
        "name_en": seed.name_en,
        "kind": seed.kind,
        "contact_person": seed.contact_person,
        "contact_phone": seed.contact_phone,
        "contact_email": seed.contact_email,
        "address": seed.address,
        "is_citywide": not seed.districts,
    }
    served = sorted(district_slug(n) for n in seed.districts)
    agency = Agency.objects.filter(slug=seed.slug).first()
    if agency is None:
        agency = Agency.objects.create(city=city, slug=seed.slug, **wanted)
        if served:
            agency.districts.set(District.objects.filter(city=city, slug__in=served))
        event_record(
            actor=None,
            action="referrals.agency.created",
            obj=agency,
            after={"slug": seed.slug, **wanted, "districts": served},
        )
        return True
    if agency.city_id != city.pk:
        raise ValidationError(_("The agency slug “%(slug)s” belongs to another city.") % {"slug": seed.slug})
    before = {k: getattr(agency, k) for k, v in wanted.items() if getattr(agency, k) != v}
    after = {k: wanted[k] for k in before}
    if before:
        for name in before:
            setattr(agency, name, wanted[name])
        agency.save(update_fields=list(before))
    current = sorted(agency.districts.values_list("slug", flat=True))
    if current != served:
        agency.districts.set(District.objects.filter(city=city, slug__in=served))
        before["districts"], after["districts"] = current, served
    if before:
        event_record(actor=None, action="referrals.agency.updated", obj=agency, before=before, after=after)
    return False


def _agreements_ensure(*, city: City) -> int:
    """The service-level agreements, authored by the deputy's demo account through the agreement
    service (which writes only what differs); returns how many were created."""
    deputy_phone = next(a["phone"] for a in DEMO_ACCOUNTS if a["role"] == Role.DEPUTY)
    deputy = User.objects.get(phone=normalize_phone(deputy_phone))
    agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
    categories = {c.slug: c for c in Category.objects.filter(city=city)}
    created = 0
    for seed in AGREEMENTS:
        _row, made = agreement_save(
            actor=deputy,
            city=city,
            agency=agencies[seed.agency] if seed.agency else None,
            category=categories[seed.category] if seed.category else None,
            acknowledge_hours=seed.acknowledge,
            answer_hours=seed.answer,
            finish_hours=seed.finish,
        )
        created += made
    return created


def _category_ensure(*, city: City, seed: CategorySeed) -> bool:
    """The category through the one category service (which writes only what differs)."""
    _category, created = category_save(
        actor=None,
        city=city,
        slug=seed.slug,
        name=seed.name,
        name_en=seed.name_en,
        handler_kind=seed.handler_kind,
        agency_slug=seed.agency,
        parent_slug=seed.parent,
        triage_hours=seed.triage_hours,
        resolve_hours=seed.resolve_hours,
        public_by_default=seed.public,
        duplicate_radius_m=seed.radius_m,
        keywords=seed.keywords,
        questions=seed.questions,
    )
    return created


def _account_ensure(*, account: DemoAccount, password_hash: str) -> tuple[bool, bool]:
    """The account's user and role assignment, each made only if missing; (user created, role created)."""
    user = User.objects.filter(phone=normalize_phone(account["phone"])).first()
    user_created = user is None
    if user is None:
        # Registered without a password, then given one hash made once for all accounts: Argon2 is
        # slow on purpose (about half a second here), and a dozen hashes would dominate the load.
        user = user_register(phone=account["phone"], password=None, full_name=account["full_name"])
        user.password = password_hash
        user.save(update_fields=["password"])
    role = account["role"]
    if role == Role.ADMINISTRATOR and not (user.is_staff and user.is_superuser):
        # The system itself grants this, as `createsuperuser` would.
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        event_record(
            actor=None,
            action="accounts.user.superuser_granted",
            obj=user,
            after={"is_staff": True, "is_superuser": True},
        )
    if role == CITIZEN:
        return user_created, False
    scope_kind = account["scope_kind"] or ""
    scope_obj = resolve_scope(role=role, scope_kind=scope_kind, scope_ref=account["scope"] or "")
    scope = scope_obj.scope
    held = RoleAssignment.objects.active().filter(
        user=user,
        role=role,
        scope_kind=scope_kind,
        city_id=scope.city_id,
        district_id=scope.district_id,
        area_id=scope.area_id,
        neighborhood_id=scope.neighborhood_id,
        agency_id=scope.agency_id,
    )
    if held.exists():
        return user_created, False
    role_assign(actor=None, user=user, role=role, scope_kind=scope_kind, scope_ref=account["scope"] or "")
    return user_created, True


def _open311_client_ensure(*, city: City) -> bool:
    """The demo Open311 client application with its fixed api_key, made unless a client has that key."""
    if ClientApplication.objects.filter(key_hash=hash_api_key(DEMO_OPEN311_KEY)).exists():
        return False
    client_application_create(
        actor=None,
        city=city,
        name=DEMO_OPEN311_CLIENT_NAME,
        contact_email=DEMO_OPEN311_CONTACT,
        key=DEMO_OPEN311_KEY,
    )
    return True


# --- the service --------------------------------------------------------------------------------


def demo_city_load(*, progress: bool = True) -> DemoSummary:
    """Create or complete the demo city in one transaction; a progress bar on stderr when asked."""
    started = time.monotonic()
    collection = demo_feature_collection()
    features = len(collection["features"])
    validate_password(DEMO_PASSWORD)  # the shared hash below skips user_register's own check
    total = 1 + features + len(AGENCIES) + len(CATEGORY_SEEDS) + 1 + len(DEMO_ACCOUNTS) + 1
    territory_created = territory_updated = agencies_created = users_created = assignments_created = 0
    categories_created = 0
    with (
        tqdm(total=total, desc=_("Demo city"), unit=_("step"), file=sys.stderr, disable=not progress) as bar,
        transaction.atomic(),
    ):
        city, city_created = _city_upsert()
        bar.update(1)
        if city_created or not _territory_unchanged(city, collection):
            imported = boundaries_import(actor=None, city=city, collection=collection, progress=bar.update)
            territory_created, territory_updated = imported.created, imported.updated
        else:
            bar.update(features)
        for seed in AGENCIES:
            agencies_created += _agency_upsert(city=city, seed=seed)
            bar.update(1)
        national_holidays_load(years=list(HOLIDAY_YEARS))  # deadlines skip them
        for category_seed in CATEGORY_SEEDS:
            categories_created += _category_ensure(city=city, seed=category_seed)
            bar.update(1)
        open311_clients_created = int(_open311_client_ensure(city=city))
        bar.update(1)
        phones = [normalize_phone(a["phone"]) for a in DEMO_ACCOUNTS]
        existing = set(User.objects.filter(phone__in=phones).values_list("phone", flat=True))
        password_hash = make_password(DEMO_PASSWORD) if len(existing) < len(phones) else ""
        for account in DEMO_ACCOUNTS:
            user_made, role_made = _account_ensure(account=account, password_hash=password_hash)
            users_created += user_made
            assignments_created += role_made
            bar.update(1)
        # After the accounts: the deputy writes them, and only the deputy may.
        agreements_created = _agreements_ensure(city=city)
        bar.update(1)
    return DemoSummary(
        city_slug=city.slug,
        city_created=city_created,
        districts=city.districts.count(),
        areas=city.areas.count(),
        neighborhoods=city.neighborhoods.count(),
        agencies=city.agencies.count(),
        categories=city.report_categories.count(),
        users=User.objects.filter(phone__in=phones).count(),
        territory_created=territory_created,
        territory_updated=territory_updated,
        agencies_created=agencies_created,
        categories_created=categories_created,
        users_created=users_created,
        assignments_created=assignments_created,
        seconds=time.monotonic() - started,
        open311_clients_created=open311_clients_created,
        agreements=ServiceAgreement.objects.filter(city=city).count(),
        agreements_created=agreements_created,
    )

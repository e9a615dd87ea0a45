"""People, and the roles they hold over a part of the territory or an agency for a period."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalat.accounts.phone import normalize_phone
from mahalat.territory.scope import Scope


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=normalize_phone(phone), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(phone=normalize_phone(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    # Stored in one form, +98 and ten digits (for example +989121234567), whatever form was typed.
    phone = models.CharField(_("mobile number"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    national_code = models.CharField(_("national code"), max_length=10, null=True, blank=True, unique=True)
    email = models.EmailField(_("email"), blank=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.phone

    @property
    def phone_local(self) -> str:
        """The number as Iranians write it: 09121234567."""
        return "0" + self.phone[3:] if self.phone.startswith("+98") else self.phone


class Role(models.TextChoices):
    COUNCIL_MEMBER = "council_member", _("Council member")
    COUNCIL_CHAIR = "council_chair", _("Council chair")
    COUNCIL_SECRETARY = "council_secretary", _("Council secretary")
    AREA_OFFICER = "area_officer", _("Area officer")
    DISTRICT_OFFICER = "district_officer", _("District social officer")
    DISTRICT_MANAGER = "district_manager", _("District manager")
    AGENCY_LIAISON = "agency_liaison", _("Agency liaison")
    DEPUTY = "deputy", _("Cultural-Social Deputy staff")
    CITY_COUNCIL = "city_council", _("City council member")
    ADMINISTRATOR = "administrator", _("System administrator")


class ScopeKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    AREA = "area", _("Area")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    AGENCY = "agency", _("Agency")


# The one kind of scope each role is held over.
ROLE_SCOPE_KIND: dict[str, str] = {
    Role.COUNCIL_MEMBER: ScopeKind.NEIGHBORHOOD,
    Role.COUNCIL_CHAIR: ScopeKind.NEIGHBORHOOD,
    Role.COUNCIL_SECRETARY: ScopeKind.NEIGHBORHOOD,
    Role.AREA_OFFICER: ScopeKind.AREA,
    Role.DISTRICT_OFFICER: ScopeKind.DISTRICT,
    Role.DISTRICT_MANAGER: ScopeKind.DISTRICT,
    Role.AGENCY_LIAISON: ScopeKind.AGENCY,
    Role.DEPUTY: ScopeKind.CITY,
    Role.CITY_COUNCIL: ScopeKind.CITY,
    Role.ADMINISTRATOR: ScopeKind.CITY,
}

COUNCIL_ROLES = frozenset({Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR, Role.COUNCIL_SECRETARY})
DISTRICT_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_MANAGER})


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self, at: Any | None = None) -> RoleAssignmentQuerySet:
        at = at or timezone.now()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at), valid_from__lte=at, revoked_at=None
        )


class RoleAssignment(models.Model):
    """A role held over one scope for a period. The ancestors of the scope are stored too, so that
    "does this role cover that object" is a comparison of ids, never a walk up the tree."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope_kind = models.CharField(_("scope kind"), max_length=16, choices=ScopeKind.choices)
    city = models.ForeignKey(
        "territory.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "territory.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    neighborhood = models.ForeignKey(
        "territory.Neighborhood",
        verbose_name=_("neighborhood"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_assignment_user_idx")]
        constraints = [
            models.CheckConstraint(
                name="accounts_assignment_scope_shape",
                condition=(
                    Q(scope_kind=ScopeKind.CITY, district=None, area=None, neighborhood=None, agency=None)
                    | Q(
                        scope_kind=ScopeKind.DISTRICT,
                        district__isnull=False,
                        area=None,
                        neighborhood=None,
                        agency=None,
                    )
                    | Q(
                        scope_kind=ScopeKind.AREA,
                        district__isnull=False,
                        area__isnull=False,
                        neighborhood=None,
                        agency=None,
                    )
                    | Q(
                        scope_kind=ScopeKind.NEIGHBORHOOD,
                        district__isnull=False,
                        area__isnull=False,
                        neighborhood__isnull=False,
                        agency=None,
                    )
                    | Q(
                        scope_kind=ScopeKind.AGENCY,
                        district=None,
                        area=None,
                        neighborhood=None,
                        agency__isnull=False,
                    )
                ),
            ),
            models.CheckConstraint(
                name="accounts_assignment_period",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.scope_label}"

    @property
    def scope(self) -> Scope:
        return Scope(
            city_id=self.city_id,
            district_id=self.district_id,
            area_id=self.area_id,
            neighborhood_id=self.neighborhood_id,
            agency_id=self.agency_id,
        )

    @property
    def scope_object(self) -> models.Model:
        return {
            ScopeKind.CITY: lambda: self.city,
            ScopeKind.DISTRICT: lambda: self.district,
            ScopeKind.AREA: lambda: self.area,
            ScopeKind.NEIGHBORHOOD: lambda: self.neighborhood,
            ScopeKind.AGENCY: lambda: self.agency,
        }[self.scope_kind]()

    @property
    def scope_label(self) -> str:
        return str(self.scope_object)

    @property
    def scope_slug(self) -> str:
        return self.scope_object.slug


class ApiToken(models.Model):
    """A bearer token for machine clients. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # An agency's system token: it acts only as its user's liaison role over this agency, whatever else
    # the user holds.
    agency = models.ForeignKey(
        "referrals.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

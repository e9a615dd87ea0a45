"""Which channels a person wants for a kind of notification: their own choices, else the defaults.

Defaults when a person has said nothing:
- in the app: on, for every kind;
- SMS: on only for the state changes of the person's own reports (kinds under
  `DEFAULT_SMS_KIND_PREFIXES`; by convention "reports.report.<state>" is sent to the report's author),
  off for everything else — an SMS costs the city money and a person's attention;
- email: on (it is only ever sent to someone who gave an email address; `notify` skips the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mahalat.notifications.models import Channel, NotificationPreference

DEFAULT_SMS_KIND_PREFIXES: tuple[str, ...] = ("reports.report",)


def kind_matches(prefix: str, kind: str) -> bool:
    """Whether `prefix` covers `kind`, by whole dotted segments; "" covers everything."""
    return prefix == "" or kind == prefix or kind.startswith(prefix + ".")


def default_enabled(*, kind: str, channel: str) -> bool:
    if channel == Channel.IN_APP:
        return True
    if channel == Channel.SMS:
        return any(kind_matches(prefix, kind) for prefix in DEFAULT_SMS_KIND_PREFIXES)
    return channel == Channel.EMAIL


def user_choices(user: Any) -> dict[tuple[str, str], bool]:
    """The person's own choices, {(kind_prefix, channel): enabled}, in one query."""
    rows = NotificationPreference.objects.filter(user_id=user.pk).values_list(
        "kind_prefix", "channel", "enabled"
    )
    return {(prefix, channel): enabled for prefix, channel, enabled in rows}


def channel_enabled(
    *, kind: str, channel: str, choices: Mapping[tuple[str, str], bool] | None = None
) -> bool:
    """The most specific choice that covers `kind` on `channel`, or the default."""
    best: tuple[int, bool] | None = None
    for (prefix, ch), enabled in (choices or {}).items():
        if ch == channel and kind_matches(prefix, kind):
            rank = -1 if prefix == "" else len(prefix)
            if best is None or rank > best[0]:
                best = (rank, enabled)
    return best[1] if best is not None else default_enabled(kind=kind, channel=channel)


def enabled_channels(*, user: Any, kind: str, channels: Iterable[str]) -> list[str]:
    choices = user_choices(user)
    return [ch for ch in channels if channel_enabled(kind=kind, channel=ch, choices=choices)]

"""Turning a notification into text: Django templates under `templates/notifications/`.

For a template key `report_triaged` and a channel:
- `notifications/report_triaged.<channel>.txt` (channel: in_app, sms, email), else
  `notifications/report_triaged.txt` — the body;
- for email, `notifications/report_triaged.subject.txt` — the subject; without it, the first line of
  the body is the subject and the rest is the body.

Templates are rendered as plain text (no HTML escaping) with `translation.override(language)`, so
their `{% translate %}` strings come out in the recipient's language. They see the notification's
`context` plus `recipient_name`, `channel` and `kind`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import translation

from mahalat.notifications.models import Channel, Notification


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def _names(template: str, channel: str) -> list[str]:
    return [f"notifications/{template}.{channel}.txt", f"notifications/{template}.txt"]


def _find(names: list[str]) -> Template:
    """The first template that exists, as Django's own Template (so it can render without escaping)."""
    return select_template(names).template


def check_template(template: str, channel: str) -> None:
    """Raise TemplateDoesNotExist now, in the caller's transaction, rather than at delivery."""
    _find(_names(template, channel))


def _render(template: Template, context: dict[str, Any]) -> str:
    return template.render(Context(context, autoescape=False)).strip()


def render(
    *,
    template: str,
    channel: str,
    context: dict[str, Any],
    language: str,
    recipient_name: str = "",
    kind: str = "",
) -> Rendered:
    data = {**context, "recipient_name": recipient_name, "channel": channel, "kind": kind}
    with translation.override(language):
        body = _render(_find(_names(template, channel)), data)
        subject = ""
        if channel == Channel.EMAIL:
            try:
                subject = _render(_find([f"notifications/{template}.subject.txt"]), data)
            except TemplateDoesNotExist:
                subject, _newline, body = body.partition("\n")
                body = body.strip()
        elif channel == Channel.IN_APP:
            subject, _newline, rest = body.partition("\n")
            body = rest.strip()
    # A subject is one line (a header cannot hold a newline).
    return Rendered(subject=" ".join(subject.split()), body=body)


def render_notification(
    notification: Notification, *, language: str | None = None, recipient_name: str | None = None
) -> Rendered:
    """The notification's text, in its own language unless `language` is given (the in-app page
    renders in the page's language). Give `recipient_name` to spare a query for the recipient."""
    if recipient_name is None:
        recipient = notification.recipient if notification.recipient_id else None
        recipient_name = recipient.full_name if recipient is not None else ""
    return render(
        template=notification.template,
        channel=notification.channel,
        context=notification.context or {},
        language=language or notification.language,
        recipient_name=recipient_name,
        kind=notification.kind,
    )

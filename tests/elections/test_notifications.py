"""The election notifications render in both languages on every channel, and say what happened."""

from __future__ import annotations

import pytest

from mahalat.notifications.rendering import render

CASES = [
    (
        "elections_application_reviewed",
        {"call": "فراخوان سرچشمه", "state": "accepted", "reason": ""},
        "فراخوان سرچشمه",
    ),
    (
        "elections_application_reviewed",
        {"call": "فراخوان سرچشمه", "state": "rejected", "reason": "مدرک ناقص"},
        "فراخوان سرچشمه",
    ),
    ("elections_residency_reviewed", {"neighborhood": "سرچشمه", "state": "verified", "reason": ""}, "سرچشمه"),
    (
        "elections_residency_reviewed",
        {"neighborhood": "سرچشمه", "state": "rejected", "reason": "نشانی نادرست"},
        "سرچشمه",
    ),
    ("elections_elected", {"neighborhood": "سرچشمه", "seat": "نمایندگان ساکنان"}, "سرچشمه"),
]


@pytest.mark.parametrize(("template", "context", "expected"), CASES)
@pytest.mark.parametrize("channel", ["in_app", "sms", "email"])
@pytest.mark.parametrize("language", ["fa", "en"])
def test_templates_render(template, context, expected, channel, language) -> None:
    rendered = render(template=template, channel=channel, context=context, language=language)
    text = f"{rendered.subject}\n{rendered.body}"
    assert "{%" not in text and "{{" not in text
    assert expected in text
    if channel == "email":
        assert rendered.subject
    if context.get("reason") and channel != "sms":  # an SMS stays short; the reason is in the app and email
        assert context["reason"] in text

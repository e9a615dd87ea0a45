"""Helpers for the news tests: images, and a draft / a published item written through the services."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from mahalat.news.models import NewsItem
from mahalat.news.services import news_publish, news_save, news_submit
from tests.towns import Town


def png(name: str = "lead.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")


def draft(town: Town, actor: Any = None, **overrides: Any) -> NewsItem:
    values: dict[str, Any] = {
        "actor": actor or town.people["district_officer"],
        "district": town.d1,
        "title": "بازگشایی کتابخانه محله",
        "summary": "کتابخانه محله دوباره باز شد.",
        "body": "<p>از <strong>شنبه</strong> باز است.</p>",
    }
    values.update(overrides)
    return news_save(**values)


def published(
    town: Town, *, title: str, now: datetime | None = None, author: str = "district_officer", **overrides: Any
) -> NewsItem:
    item = draft(town, town.people[author], title=title, now=now, **overrides)
    item = news_submit(actor=town.people[author], item=item, now=now)
    return news_publish(actor=town.people["district_manager"], item=item, now=now)


def ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)

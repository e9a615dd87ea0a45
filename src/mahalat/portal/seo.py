"""Search engines and sharing: the template tags `base.html` fills its canonical link, Open Graph and
Twitter card with (`{% load seo %}`, registered as a template library in settings).

A Django block renders only once, yet the page's title and description go into `<title>`, the
description meta, `og:*` and `twitter:*`. `{% capture as name %}…{% endcapture %}` renders its content
(blocks inside it stay overridable by child templates) once into a plain-text variable the head reuses.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.utils.html import strip_tags
from django.utils.translation import get_language

register = template.Library()

_SPACES = re.compile(r"\s+")

# Open Graph locales by the page's language (the site speaks Persian and English).
OG_LOCALES = {"fa": "fa_IR", "en": "en_US"}


def plain_text(rendered: str) -> str:
    """Rendered template text as plain text: no tags, entities decoded, whitespace collapsed. The
    variable is escaped again wherever it is printed, so a title is never escaped twice."""
    return _SPACES.sub(" ", html.unescape(strip_tags(rendered))).strip()


class CaptureNode(template.Node):
    # `nodelist` is where `{% extends %}` looks for blocks, so blocks inside remain overridable.
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        context[self.name] = plain_text(self.nodelist.render(context))
        return ""


@register.tag("capture")
def capture(parser: Parser, token: Token) -> CaptureNode:
    """`{% capture as page_title %}…{% endcapture %}`: render the content into `page_title`."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


def canonical_for(request: Any) -> str:
    """The page's absolute address without its query: `?page=2` or `?month=…` is the same page."""
    if request is None:
        return ""
    return request.build_absolute_uri(request.path)


@register.simple_tag(takes_context=True)
def canonical_url(context: template.Context) -> str:
    return canonical_for(context.get("request"))


@register.simple_tag
def og_locale(alternate: bool = False) -> str:
    """`fa_IR` on a Persian page, `en_US` on an English one (the other one when `alternate`)."""
    language = (get_language() or "fa").split("-")[0]
    if alternate:
        language = "en" if language == "fa" else "fa"
    return OG_LOCALES.get(language, OG_LOCALES["fa"])

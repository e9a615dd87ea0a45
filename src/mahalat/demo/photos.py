"""Pictures for the demo neighborhoods, drawn with Pillow (nothing is downloaded): a sky, the
mountains Kuhsar is named after, and in front the kind of place the caption names — a domed mosque,
a garden, a qanat and its stream, a bazaar's arches, mud-brick houses with wind-catchers, or newer
blocks. Simple flat shapes, so each is a small JPEG drawn in a few milliseconds.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 800, 533
QUALITY = 80

Color = tuple[int, int, int]

# Sky top, sky at the horizon, far mountains, near hills, ground.
PALETTES: tuple[tuple[Color, Color, Color, Color, Color], ...] = (
    ((70, 130, 200), (190, 220, 240), (120, 135, 165), (150, 160, 130), (200, 180, 140)),  # morning
    ((40, 110, 190), (160, 205, 235), (105, 120, 150), (135, 150, 110), (210, 190, 150)),  # noon
    ((60, 60, 120), (245, 170, 110), (110, 90, 120), (120, 110, 100), (175, 140, 110)),  # sunset
    ((90, 150, 200), (225, 230, 235), (235, 240, 245), (160, 165, 150), (215, 200, 170)),  # winter, snow
)

# Which scene a caption asks for: the first theme whose word appears in it.
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dome", ("مسجد", "امامزاده", "حسینیه", "تکیه", "سقاخانه", "آستانه", "قدمگاه", "صحن")),
    ("water", ("قنات", "چشمه", "آب‌انبار", "جوی", "استخر", "آسیاب", "رود")),
    ("garden", ("باغ", "بوستان", "چنار", "کوشک", "درخت", "گل")),
    ("bazaar", ("بازار", "کاروانسرا", "راسته", "تیمچه", "دروازه", "سردر")),
    ("houses", ("خانه", "حمام", "بارو", "حصار", "قلعه", "برج", "کوچه", "گذر")),
)


def theme_of(caption: str) -> str:
    for theme, words in THEMES:
        if any(word in caption for word in words):
            return theme
    return "town"


@dataclass(frozen=True, slots=True)
class DrawnPhoto:
    data: bytes
    theme: str


def _sky(palette: tuple[Color, ...]) -> Image.Image:
    top, horizon = palette[0], palette[1]
    # A vertical gradient, drawn 1 px wide and stretched: far cheaper than a line per row.
    strip = Image.new("RGB", (1, HEIGHT))
    for y in range(HEIGHT):
        t = min(1.0, y / (HEIGHT * 0.62))
        strip.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, horizon, strict=True)))
    return strip.resize((WIDTH, HEIGHT))


def _ridge(draw: ImageDraw.ImageDraw, rng: random.Random, base: int, height: int, color: Color) -> None:
    points = [(0, HEIGHT)]
    x = 0
    while x <= WIDTH:
        points.append((x, base - rng.randint(height // 3, height)))
        x += rng.randint(60, 140)
    points += [(WIDTH, base - rng.randint(0, height)), (WIDTH, HEIGHT)]
    draw.polygon(points, fill=color)


def _shade(color: Color, amount: float) -> Color:
    return tuple(max(0, min(255, round(c * amount))) for c in color)  # type: ignore[return-value]


def _dome(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    cx = rng.randint(WIDTH // 3, 2 * WIDTH // 3)
    tile = rng.choice(((40, 150, 170), (30, 110, 160), (60, 170, 160)))
    brick = rng.choice(((200, 160, 110), (215, 185, 140)))
    body_w, body_h = 260, 130
    draw.rectangle((cx - body_w // 2, ground - body_h, cx + body_w // 2, ground), fill=brick)
    draw.rectangle((cx - 70, ground - body_h - 40, cx + 70, ground - body_h), fill=_shade(brick, 0.92))
    draw.ellipse((cx - 80, ground - body_h - 150, cx + 80, ground - body_h + 10), fill=tile)
    draw.line((cx, ground - body_h - 150, cx, ground - body_h - 185), fill=(230, 200, 90), width=4)
    for side in (-1, 1):
        mx = cx + side * (body_w // 2 + 30)
        draw.rectangle((mx - 12, ground - 280, mx + 12, ground), fill=brick)
        draw.rectangle((mx - 16, ground - 210, mx + 16, ground - 198), fill=tile)
        draw.polygon([(mx - 12, ground - 280), (mx + 12, ground - 280), (mx, ground - 310)], fill=tile)
    draw.rounded_rectangle((cx - 34, ground - 95, cx + 34, ground), radius=30, fill=tile)
    draw.rounded_rectangle((cx - 22, ground - 75, cx + 22, ground), radius=20, fill=_shade(tile, 0.55))


def _tree(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, ground: int, scale: float) -> None:
    green = rng.choice(((60, 130, 70), (80, 150, 80), (50, 115, 65), (95, 160, 90)))
    trunk_h = round(60 * scale)
    draw.rectangle((x - 5, ground - trunk_h, x + 5, ground), fill=(110, 80, 55))
    r = round(rng.randint(32, 48) * scale)
    for dx, dy in ((0, 0), (-r // 2, r // 3), (r // 2, r // 3), (0, -r // 2)):
        draw.ellipse(
            (x + dx - r, ground - trunk_h + dy - r, x + dx + r, ground - trunk_h + dy + r), fill=green
        )


def _garden(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    draw.polygon(
        [
            (WIDTH // 2 - 30, HEIGHT),
            (WIDTH // 2 + 30, HEIGHT),
            (WIDTH // 2 + 8, ground),
            (WIDTH // 2 - 8, ground),
        ],
        fill=(215, 200, 165),
    )
    draw.rectangle((WIDTH // 2 - 120, ground + 40, WIDTH // 2 + 120, ground + 70), fill=(80, 160, 200))
    for x in range(30, WIDTH, 95):
        if abs(x - WIDTH // 2) > 60:
            _tree(draw, rng, x + rng.randint(-15, 15), ground + rng.randint(0, 25), rng.uniform(0.9, 1.4))


def _water(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    blue = (70, 150, 200)
    draw.polygon([(0, HEIGHT - 30), (WIDTH, ground + 45), (WIDTH, ground + 75), (0, HEIGHT)], fill=blue)
    for x in range(60, WIDTH - 40, 120):
        y = ground + rng.randint(-5, 15)
        draw.ellipse((x - 28, y - 14, x + 28, y + 14), fill=(170, 140, 100))
        draw.ellipse((x - 9, y - 5, x + 9, y + 5), fill=(70, 55, 40))
    cx = rng.randint(WIDTH // 4, 3 * WIDTH // 4)
    draw.ellipse((cx - 70, ground - 110, cx + 70, ground + 30), fill=(200, 170, 120))
    draw.rounded_rectangle((cx - 26, ground - 60, cx + 26, ground + 10), radius=24, fill=(60, 45, 35))
    for x in (40, WIDTH - 60):
        _tree(draw, rng, x, ground + 10, 1.1)


def _bazaar(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    brick = rng.choice(((190, 140, 95), (205, 160, 110)))
    draw.rectangle((0, ground - 190, WIDTH, ground), fill=brick)
    for x in range(20, WIDTH, 110):
        draw.ellipse((x - 10, ground - 250, x + 100, ground - 150), fill=_shade(brick, 1.08))
    for x in range(30, WIDTH - 60, 110):
        draw.rounded_rectangle((x, ground - 150, x + 80, ground), radius=40, fill=_shade(brick, 0.5))
        draw.rounded_rectangle((x + 10, ground - 135, x + 70, ground - 60), radius=30, fill=(235, 190, 90))
        draw.rectangle(
            (x + 18, ground - 55, x + 62, ground - 30), fill=rng.choice(((170, 60, 50), (60, 110, 150)))
        )


def _houses(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    x = -20
    while x < WIDTH:
        w, h = rng.randint(90, 150), rng.randint(90, 170)
        mud = rng.choice(((200, 165, 120), (185, 150, 110), (215, 180, 135)))
        draw.rectangle((x, ground - h, x + w, ground), fill=mud)
        if rng.random() < 0.5:  # a wind-catcher (بادگیر)
            bx = x + w // 2 - 15
            draw.rectangle((bx, ground - h - 70, bx + 30, ground - h), fill=_shade(mud, 0.95))
            for s in range(3):
                draw.rectangle(
                    (bx + 4 + s * 9, ground - h - 60, bx + 9 + s * 9, ground - h - 20), fill=(70, 55, 40)
                )
        else:
            draw.ellipse((x + 10, ground - h - 35, x + w - 10, ground - h + 35), fill=_shade(mud, 1.05))
        draw.rounded_rectangle(
            (x + w // 2 - 14, ground - 55, x + w // 2 + 14, ground), radius=12, fill=(110, 70, 45)
        )
        x += w + rng.randint(-5, 10)


def _town(draw: ImageDraw.ImageDraw, rng: random.Random, ground: int) -> None:
    x = 10
    while x < WIDTH:
        w, h = rng.randint(70, 120), rng.randint(120, 260)
        wall = rng.choice(((225, 215, 200), (200, 190, 180), (215, 195, 170), (190, 200, 205)))
        draw.rectangle((x, ground - h, x + w, ground), fill=wall)
        for wy in range(ground - h + 15, ground - 30, 30):
            for wx in range(x + 10, x + w - 15, 22):
                draw.rectangle((wx, wy, wx + 12, wy + 16), fill=(120, 160, 190))
        x += w + rng.randint(15, 40)
    for tx in range(40, WIDTH, 150):
        _tree(draw, rng, tx, ground + 35, 0.8)


SCENES = {
    "dome": _dome,
    "water": _water,
    "garden": _garden,
    "bazaar": _bazaar,
    "houses": _houses,
    "town": _town,
}


def draw_photo(*, caption: str, seed: str) -> DrawnPhoto:
    """A picture for `caption`; the same seed draws the same picture."""
    rng = random.Random(seed)
    palette = rng.choice(PALETTES)
    image = _sky(palette)
    draw = ImageDraw.Draw(image)
    if palette is PALETTES[2]:
        sun = rng.randint(100, WIDTH - 100)
        draw.ellipse((sun - 40, 230, sun + 40, 310), fill=(250, 210, 140))
    else:
        sun = rng.randint(60, WIDTH - 60)
        draw.ellipse((sun - 28, 40, sun + 28, 96), fill=(255, 240, 190))
    horizon = round(HEIGHT * 0.62)
    _ridge(draw, rng, horizon, 170, palette[2])
    _ridge(draw, rng, horizon + 20, 80, palette[3])
    ground = horizon + 40
    draw.rectangle((0, ground, WIDTH, HEIGHT), fill=palette[4])
    theme = theme_of(caption)
    SCENES[theme](draw, rng, ground)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
    return DrawnPhoto(data=out.getvalue(), theme=theme)

"""Uploads are fuzzed: whatever bytes arrive, the sanitizer answers with a clean JPEG or a clear
ValidationError — never another exception, never a file it did not re-encode."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from mahalat.uploads import ImageLimits, sanitize_image

KNOWN_CODES = {"not_an_image", "image_too_large", "image_too_many_pixels"}


def _valid(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 30, 200)).save(out, format=fmt)
    return out.getvalue()


DEFAULT_LIMITS = ImageLimits()


def _check(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> None:
    upload = SimpleUploadedFile("upload.jpg", data, content_type="image/jpeg")
    try:
        clean = sanitize_image(upload, limits=limits)
    except ValidationError as exc:
        refused_with = exc.code
    else:
        refused_with = None
        with Image.open(io.BytesIO(clean.read())) as image:
            assert image.format == "JPEG"
            assert max(image.size) <= limits.max_side
            assert not image.getexif()
    assert refused_with is None or refused_with in KNOWN_CODES


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=120, deadline=None)
@given(fmt=st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"]), cut=st.floats(0.0, 1.0))
def test_truncated_and_foreign_formats(fmt: str, cut: float) -> None:
    data = _valid(fmt)
    _check(data[: int(len(data) * cut)])


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=64), st.integers(0, 2000))
def test_corrupted_valid_images(noise: bytes, at: int) -> None:
    data = bytearray(_valid("PNG"))
    at = at % len(data)
    data[at : at + len(noise)] = noise
    _check(bytes(data))


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims enormous dimensions: a decompression bomb's calling card."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (50_000, 2_000), (2**31 - 1, 1)])
def test_huge_declared_dimensions_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValidationError) as caught:
        sanitize_image(SimpleUploadedFile("bomb.png", _png_header_claiming(width, height)))
    assert caught.value.code in {"image_too_many_pixels", "not_an_image"}


def test_a_huge_real_image_is_shrunk_not_refused() -> None:
    clean = sanitize_image(SimpleUploadedFile("big.png", _valid("PNG", (4000, 3000))))
    with Image.open(io.BytesIO(clean.read())) as image:
        assert image.size == (1600, 1200)

"""Uploaded images are checked by content, capped in size, re-encoded and stripped of metadata; files
that only some people may read live in a private storage with no URL.

Nothing a person uploads is stored as sent: the file is decoded by Pillow (so a script renamed to
.jpg is refused), turned the right way up, shrunk to a sensible size and written again as JPEG with no
EXIF block, which removes GPS positions and camera details.
"""

from __future__ import annotations

import io
import os
import re
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 40_000_000  # beyond this a small file can still be a decompression bomb
    max_side: int = 1600
    quality: int = 82


def sanitize_image(upload: UploadedFile, *, limits: ImageLimits = ImageLimits()) -> ContentFile:
    """A clean JPEG made from the upload, or a translated ValidationError (code names the reason)."""
    if upload.size is not None and upload.size > limits.max_bytes:
        raise ValidationError(
            _("The image is too large: at most %(megabytes)s MB.") % {"megabytes": limits.max_bytes // 2**20},
            code="image_too_large",
        )
    data = upload.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ValidationError(
            _("The image is too large: at most %(megabytes)s MB.") % {"megabytes": limits.max_bytes // 2**20},
            code="image_too_large",
        )
    not_an_image = ValidationError(
        _("This file is not an image we can use. Send a JPEG, PNG, WebP or GIF photo."), code="not_an_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > limits.max_pixels:
                    raise ValidationError(
                        _("The image has too many pixels. Send a smaller photo."),
                        code="image_too_many_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    background = Image.new("RGB", image.size, "white")
                    rgba = image.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    image = background
                image.thumbnail((limits.max_side, limits.max_side))
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=limits.quality, optimize=True, progressive=True)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise not_an_image from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


# The small copy a phone loads first; the page's srcset offers the full one to wider screens.
RENDITION_WIDTH = 480
RENDITION_QUALITY = 78


@dataclass(frozen=True, slots=True)
class Rendition:
    content: ContentFile
    width: int
    height: int


def image_rendition(image: ContentFile, *, width: int = RENDITION_WIDTH) -> Rendition:
    """A smaller JPEG of an already sanitized image, named after it ("<name>-480.jpg"); an image no
    wider than `width` is copied as it is, so the small copy is never larger than the original."""
    image.seek(0)
    data = image.read()
    image.seek(0)
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        if source.width > width:
            height = max(1, round(source.height * width / source.width))
            small = source.resize((width, height), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, format="JPEG", quality=RENDITION_QUALITY, optimize=True, progressive=True)
            data, size = out.getvalue(), small.size
        else:
            size = source.size
    stem = os.path.splitext(os.path.basename(image.name or "image"))[0]
    return Rendition(content=ContentFile(data, name=f"{stem}-{width}.jpg"), width=size[0], height=size[1])


class PrivateStorage(FileSystemStorage):
    """Files beside the media folder, never under it, so no static or media route can reach them: they
    are served only by views that check permission (application documents, agenda attachments)."""

    # Read on every use, not cached, so a changed setting (tests give each test its own folder) applies.
    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; serve them through their view.")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private


# --- documents: a PDF checked by content, or an image re-encoded -------------------------------------

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
PDF_CONTENT_TYPE = "application/pdf"
JPEG_CONTENT_TYPE = "image/jpeg"

_PDF_HEADER = re.compile(rb"^%PDF-(1\.[0-7]|2\.0)[\r\n%\s]")
# Active content has no place in a scanned identity card, and a reviewer's viewer might run it.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


@dataclass(frozen=True, slots=True)
class CheckedDocument:
    content: ContentFile
    content_type: str
    size: int


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is too large: at most %(megabytes)s MB.") % {"megabytes": MAX_DOCUMENT_BYTES // 2**20},
        code="too_large",
    )


def check_pdf(data: bytes) -> None:
    """Raise a translated ValidationError unless `data` looks like a whole, passive PDF file."""
    malformed = ValidationError(
        _("This PDF file is damaged or is not a PDF. Scan the document again or send a photo of it."),
        code="malformed_pdf",
    )
    if not _PDF_HEADER.match(data[:16]):
        raise malformed
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        raise malformed
    if b"obj" not in data or b"endobj" not in data:
        raise malformed
    if _PDF_ACTIVE.search(data):
        raise ValidationError(
            _("This PDF contains scripts or attached files. Send a plain scan of the document."),
            code="active_pdf",
        )


def check_document(upload: Any) -> CheckedDocument:
    """A document ready to store: a PDF as sent (after checking its content) or an image re-encoded.

    Anything else — an oversized file, a renamed program, a broken PDF, a fake image — is refused with a
    translated message naming the reason.
    """
    if not isinstance(upload, UploadedFile) and not hasattr(upload, "read"):
        raise ValidationError(_("Attach a file."), code="not_a_file")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise _too_large()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if data.startswith(b"%PDF"):
        check_pdf(data)
        return CheckedDocument(
            content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
            content_type=PDF_CONTENT_TYPE,
            size=len(data),
        )
    try:
        image = sanitize_image(
            ContentFile(data, name="upload"), limits=ImageLimits(max_bytes=MAX_DOCUMENT_BYTES)
        )
    except ValidationError as exc:
        if exc.code == "not_an_image":
            raise ValidationError(
                _("Send the document as a PDF file or as a photo (JPEG, PNG, WebP)."), code="wrong_type"
            ) from exc
        raise
    return CheckedDocument(content=image, content_type=JPEG_CONTENT_TYPE, size=image.size)


def document_response(
    *, file: Any, content_type: str, name: str, as_attachment: bool = True, cache: str = "private, no-store"
) -> FileResponse:
    """A stored document (a checked PDF or a re-encoded photo) sent back: named `name` plus the extension
    its checked type gives, never sniffed into something else by the browser, private by default."""
    extension = "pdf" if content_type == PDF_CONTENT_TYPE else "jpg"
    response = FileResponse(
        file.open("rb"),
        content_type=content_type,
        as_attachment=as_attachment,
        filename=f"{name}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response

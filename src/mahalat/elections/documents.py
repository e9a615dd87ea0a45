"""Checking and storing the documents applicants attach: PDFs by content, images re-encoded.

The files are kept in a private storage with no public URL: they carry people's identity papers, so
they are only ever served through a view that checks who asks (`views.document_download`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from mahalat.uploads import ImageLimits, sanitize_image
from mahalat.uploads import private_storage as uploads_private_storage

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
PDF_CONTENT_TYPE = "application/pdf"
JPEG_CONTENT_TYPE = "image/jpeg"

_PDF_HEADER = re.compile(rb"^%PDF-(1\.[0-7]|2\.0)[\r\n%\s]")
# Active content has no place in a scanned identity card, and a reviewer's viewer might run it.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


# Kept importable here: migration 0002 names this path.
private_storage = uploads_private_storage


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

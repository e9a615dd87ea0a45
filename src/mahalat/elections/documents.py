"""The documents applicants attach are checked by `mahalat.uploads.check_document` (PDFs by content,
images re-encoded) and kept in the private storage: they carry people's identity papers, so they are
only ever served through a view that checks who asks (`views.document_download`).
"""

from __future__ import annotations

from mahalat.uploads import (
    JPEG_CONTENT_TYPE,
    MAX_DOCUMENT_BYTES,
    PDF_CONTENT_TYPE,
    CheckedDocument,
    check_document,
    check_pdf,
)
from mahalat.uploads import private_storage as uploads_private_storage

# Kept importable here: migration 0002 names this path.
private_storage = uploads_private_storage

__all__ = [
    "JPEG_CONTENT_TYPE",
    "MAX_DOCUMENT_BYTES",
    "PDF_CONTENT_TYPE",
    "CheckedDocument",
    "check_document",
    "check_pdf",
    "private_storage",
]

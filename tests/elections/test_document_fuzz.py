"""Whatever bytes an applicant sends, the document check answers with a stored-ready file or a clear
ValidationError — never a crash (a 500) and never an unchecked file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from mahalat.elections.documents import check_document
from tests.elections.conftest import pdf_bytes

prefixes = st.sampled_from(
    [b"", b"%PDF-1.4\n", b"%PDF-2.0\r", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a"]
)


@settings(max_examples=150, deadline=None)
@given(prefix=prefixes, body=st.binary(max_size=2048), tail=st.sampled_from([b"", b"startxref\n0\n%%EOF\n"]))
def test_any_bytes_are_checked_or_refused(prefix: bytes, body: bytes, tail: bytes) -> None:
    upload = SimpleUploadedFile("doc", prefix + body + tail)
    outcome: ValidationError | None = None
    try:
        checked = check_document(upload)
    except ValidationError as exc:
        outcome = exc
    if outcome is not None:
        assert outcome.messages and outcome.code
    else:
        assert checked.content_type in {"application/pdf", "image/jpeg"}
        data = checked.content.read()
        assert (
            data.startswith(b"%PDF-")
            if checked.content_type == "application/pdf"
            else data[:3] == b"\xff\xd8\xff"
        )


@settings(max_examples=50, deadline=None)
@given(junk=st.binary(max_size=512))
def test_a_valid_pdf_with_junk_inside_stays_a_pdf_or_is_refused(junk: bytes) -> None:
    data = pdf_bytes(b"% " + junk.replace(b"\n", b" ") + b"\n")
    outcome: ValidationError | None = None
    try:
        checked = check_document(SimpleUploadedFile("doc.pdf", data))
    except ValidationError as exc:
        outcome = exc
    if outcome is not None:
        assert outcome.code in {"active_pdf", "malformed_pdf"}
    else:
        assert checked.content_type == "application/pdf" and checked.size == len(data)

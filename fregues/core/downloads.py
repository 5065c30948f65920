"""Uploaded files go back out only as downloads, with a content type we vouch for.

Why: an attachment's declared type comes from whoever uploaded it (a customer on the portal, an
e-mail). Served inline, an HTML or SVG "attachment" would run in our origin. So every uploaded
file is sent as a download (``Content-Disposition: attachment``), with ``nosniff``, a
Content-Security-Policy that sandboxes it should a browser render it anyway, and its declared
type only when it is one of the plain document types below.
"""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

SAFE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "audio/mpeg",
        "audio/wav",
        "video/mp4",
    }
)


def safe_content_type(declared: str) -> str:
    """The declared type when it is a plain document type, else ``application/octet-stream``."""
    base = (declared or "").split(";", 1)[0].strip().lower()
    return base if base in SAFE_TYPES else "application/octet-stream"


def download_response(file: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """``file`` as a download that no browser will run (see the module's docstring)."""
    response = FileResponse(
        file, as_attachment=True, filename=filename, content_type=safe_content_type(content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

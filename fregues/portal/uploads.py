"""Files a customer sends with a request or a reply, from the HTTP request to what the portal's
services check (a file larger than allowed is not read into memory)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .services.requests import Upload


def uploads_from(files: Iterable[UploadedFile] | None) -> list[Upload]:
    limit = settings.PORTAL_ATTACHMENT_MAX_MB * 1024 * 1024
    out = []
    for file in files or []:
        size = file.size or 0
        content = file.read() if size <= limit else b""
        out.append(
            Upload(
                filename=file.name or "file",
                content=content,
                content_type=file.content_type or "",
                size=size,
            )
        )
    return out

"""The errors a service may raise, one per answer a user can get.

Every interface maps them the same way: the API to a JSON body ``{code, message, errors}`` with
the status below, the UI to messages in the form. A service raises before it writes, or inside
its transaction, so a rejected request leaves nothing behind.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.errors = errors or {}
        self.details = details or {}

    def field_text(self) -> str:
        """The per-field messages in one line (for a toast), or the message when there are none."""
        problems = [str(m) for messages in self.errors.values() for m in messages]
        return " ".join(problems) or self.message

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "errors": self.errors}
        body.update(self.details)
        return body


class Invalid(ServiceError):
    """The input breaks a rule (422). ``errors`` maps each field to its messages."""

    status = 422
    code = "invalid"

    @classmethod
    def field(cls, field: str, message: str, *, code: str | None = None) -> Invalid:
        return cls(str(message), code=code, errors={field: [str(message)]})


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The request clashes with the state of the data (409)."""

    status = 409
    code = "conflict"


class VersionConflict(Conflict):
    """Someone else saved the record since the caller read it (409)."""

    code = "version_conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Throttled(ServiceError):
    """Too many failed attempts from one address in a short time (429)."""

    status = 429
    code = "throttled"


class ErrorCollector:
    """Collects field errors across a whole input so the user sees all of them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str = "The data sent is not valid.") -> None:
        if self.errors:
            raise Invalid(message, errors=self.errors)

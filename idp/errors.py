"""Domain errors: a user-safe message key, no HTTP inside.

The web layer (``idp/web/error_pages.py``) maps them to pages; protocol errors use Authlib's
``OAuth2Error`` family instead and never reach these handlers.
"""

from __future__ import annotations


class IdPError(Exception):
    """Base of every domain error. ``message`` is a key of the message catalog."""

    message = "error.generic"

    def __init__(self, detail: str = "", **context: object) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self.context = context


class ConfigError(IdPError):
    """Settings or clients.yaml cannot work; the text names what to fix."""

    message = "error.config"


class InvalidCredentials(IdPError):
    """Wrong identifier or password: one generic message, whichever it was."""

    message = "login.invalid_credentials"


class InteractionExpired(IdPError):
    """The pending sign-in is unknown, expired or belongs to another browser."""

    message = "error.interaction_expired"


class CsrfFailure(IdPError):
    message = "error.csrf"


class ImportRejected(IdPError):
    """A member file had bad rows; nothing was written. ``problems``: (line, reason)."""

    message = "error.import_rejected"

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(problems)} bad row(s)")
        self.problems = problems


class KeyUnavailable(IdPError):
    message = "error.generic"

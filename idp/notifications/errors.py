"""The error of a message that could not be sent."""

from __future__ import annotations

from idp.errors import IdPError


class DeliveryFailed(IdPError):
    """A message could not be handed to the mail server or the SMS gateway.

    ``detail`` says why, for operators and the audit log (never a password, code or link);
    the member sees the catalog text of ``message``.
    """

    message = "error.delivery_failed"

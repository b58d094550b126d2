"""Sending SMS through the operator's gateway, configured by ``IDP_SMS_WEBHOOK_URL``,
``IDP_SMS_WEBHOOK_TOKEN`` and ``IDP_SMS_WEBHOOK_TIMEOUT``.

Each message is one ``POST <url>`` with the JSON body ``{"to": "+33612345678", "message":
"…"}`` and ``Authorization: Bearer <token>`` (no header when the token is empty). Any 2xx
answer is success; anything else (another status, a redirect, a refused connection, a timeout,
an unusable URL) is :class:`DeliveryFailed`, whose reason names the gateway host and the status
or error — never the token, the number or the text, which holds the code.

Redirects are not followed: urllib would replay the bearer token to wherever the gateway
points, and a redirected POST loses its body anyway.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from idp.errors import ConfigError
from idp.notifications.errors import DeliveryFailed
from idp.notifications.masking import mask_phone

log = logging.getLogger(__name__)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then surfaces as an HTTPError


class SmsWebhookTransport:
    """POSTs each SMS to the gateway in its own HTTP request."""

    name = "sms_webhook"

    def __init__(self, url: str, token: str = "", timeout: float = 5) -> None:
        if timeout <= 0:
            raise ConfigError("IDP_SMS_WEBHOOK_TIMEOUT must be a positive number of seconds.")
        self.url = url.strip()
        self.token = token.strip()
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)
        # Why the gateway last failed, None while it answers: an outage is one log line when
        # it starts and one when it ends, not a line per code asked (each failed message
        # still has its ``sms.failed`` audit event).
        self._failing: str | None = None
        self._state = threading.Lock()

    def __repr__(self) -> str:
        return f"SmsWebhookTransport({self.gateway!r}, timeout={self.timeout})"

    @property
    def gateway(self) -> str:
        """``host[:port]`` of the gateway, for messages: the URL's path, query or user info
        may carry a key, so they are never shown."""
        try:
            parts = urlsplit(self.url)
            port = parts.port
        except ValueError:
            return "(invalid URL)"
        host = parts.hostname or "(no host)"
        host = f"[{host}]" if ":" in host else host
        return f"{host}:{port}" if port else host

    def send_sms(self, to: str, text: str, *, purpose: str = "") -> None:
        """Hand ``text`` for ``to`` (E.164) to the gateway; :class:`DeliveryFailed` unless it
        answers 2xx within the timeout."""
        try:
            status = self._post(to, text)
        except DeliveryFailed as failure:
            with self._state:
                first, self._failing = self._failing is None, failure.detail
            if first:
                log.error("sms gateway unreachable: %s", failure.detail)
            log.debug("SMS %r to %s not sent: %s", purpose, mask_phone(to), failure.detail)
            raise
        with self._state:
            recovered, self._failing = self._failing is not None, None
        if recovered:
            log.warning("sms gateway reachable again: %s", self.gateway)
        log.info(
            "SMS %r to %s handed to %s (HTTP %s)", purpose, mask_phone(to), self.gateway, status
        )

    def _post(self, to: str, text: str) -> int:
        where = f"SMS gateway {self.gateway}"
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryFailed(f"{where}: IDP_SMS_WEBHOOK_URL is not an http(s) URL")
        body = json.dumps({"to": to, "message": text}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # http(s) only: checked above
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                response.read(64 * 1024)  # drain a little, so the connection closes cleanly
        except urllib.error.HTTPError as error:
            with error:  # holds the open response: close it
                raise DeliveryFailed(f"{where}: HTTP {error.code}") from None
        except urllib.error.URLError as error:
            raise DeliveryFailed(f"{where}: {_describe(error.reason)}") from None
        except OSError as error:
            raise DeliveryFailed(f"{where}: {_describe(error)}") from None
        except (http.client.InvalidURL, ValueError) as error:  # their text may quote the URL
            raise DeliveryFailed(f"{where}: invalid URL ({type(error).__name__})") from None
        except http.client.HTTPException as error:  # e.g. BadStatusLine: not an HTTP answer
            raise DeliveryFailed(f"{where}: {type(error).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"{where}: HTTP {status}")
        return status


def _describe(error: object) -> str:
    """Why it failed, in one line, without the request (which holds the text and token)."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, BaseException):
        name = type(error).__name__
        if isinstance(error, OSError) and error.strerror:
            return f"{name}: {error.strerror}"
        return f"{name}: {error}" if str(error) else name
    return str(error)

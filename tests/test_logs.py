"""The app's log lines are escaped by one formatter (docs/security.md, "Logs")."""

from __future__ import annotations

import io
import logging

from idp.logs import TEXT_FORMAT, SafeFormatter, escape_controls


def test_a_value_with_control_characters_stays_one_readable_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter(TEXT_FORMAT))
    logger = logging.getLogger("idp.test-logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sign-in refused for %s", "100000001\nERROR forged\x00\x1b[2J\u2028end")
        try:
            raise ValueError("bad value '1\n2026-01-01 00:00:00 INFO idp: forged\x1b[2J'")
        except ValueError:
            logger.exception("failed on %s", "/path\r\nINFO forged")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "sign-in refused for 100000001\\x0aERROR forged\\x00\\x1b[2J\\u2028end"
    )
    assert lines[1].endswith("failed on /path\\x0d\\x0aINFO forged")
    # A traceback keeps its lines, indented and escaped: only records start a line.
    assert lines[2] == "  Traceback (most recent call last):"
    assert all(line.startswith("  ") for line in lines[2:]) and len(lines) > 4
    assert lines[-1] == "  2026-01-01 00:00:00 INFO idp: forged\\x1b[2J'"
    assert not any(line.startswith(("ERROR forged", "INFO forged", "2026-01-01")) for line in lines)


def test_printable_text_is_unchanged():
    assert escape_controls("Élodie-Anne D'Arc <e@x.fr> 06 12 34 56 78") == (
        "Élodie-Anne D'Arc <e@x.fr> 06 12 34 56 78"
    )

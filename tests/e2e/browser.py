"""Which Chromium the browser tests drive, installed when there is none.

In order: Debian's ``chromium`` at /usr/bin/chromium; else, as root with ``apt-get``, Debian's
``chromium`` installed non-interactively; else Playwright's own Chromium
(``python -m playwright install chromium``, into Playwright's cache folder); else
:class:`BrowserMissing` with one line saying what to install.

``IDP_TEST_CHROMIUM``, when set, names the one Chromium to use, and nothing is installed.

``make test`` runs ``python -m tests.e2e.browser`` before pytest; the ``chromium`` fixture of
``tests/e2e/conftest.py`` calls :func:`configured_browser` once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEBIAN_CHROMIUM = "/usr/bin/chromium"
INSTALL_TIMEOUT = 600.0
MISSING = (
    "No Chromium for the browser tests: install Debian's chromium "
    "(`apt-get install chromium`, as root) or run `.venv/bin/python -m playwright install "
    "chromium`."
)


class BrowserMissing(Exception):
    """No Chromium was found and none could be installed; ``str()`` says what to install."""


@dataclass(frozen=True)
class Chromium:
    """The browser to launch: ``executable`` for a system Chromium, None for Playwright's."""

    executable: str | None
    source: str


# An installer tries to bring a Chromium; None when it cannot (not root, no network, ...).
Installer = Callable[[], Chromium | None]


def find_browser(
    candidates: Sequence[str] = (DEBIAN_CHROMIUM,),
    installers: Sequence[Installer] | None = None,
) -> Chromium:
    """The first executable of ``candidates``, else what the first successful installer
    brings (by default :func:`install_debian_chromium` then :func:`install_playwright_chromium`);
    raises :class:`BrowserMissing` when none does."""
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return Chromium(path, path)
    for install in default_installers() if installers is None else installers:
        found = install()
        if found is not None:
            return found
    raise BrowserMissing(MISSING)


def configured_browser() -> Chromium:
    """``IDP_TEST_CHROMIUM`` when set (nothing installed), else :func:`find_browser`."""
    wanted = os.environ.get("IDP_TEST_CHROMIUM")
    if wanted:
        return find_browser([wanted], installers=[])
    return find_browser()


def default_installers() -> list[Installer]:
    return [install_debian_chromium, install_playwright_chromium]


def _run(command: list[str], **env: str) -> bool:
    try:
        done = subprocess.run(
            command,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"browser: {' '.join(command)}: {error}", file=sys.stderr)
        return False
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        print(f"browser: {' '.join(command)} exited {done.returncode} {last}", file=sys.stderr)
    return done.returncode == 0


def install_debian_chromium(
    is_root: Callable[[], bool] = lambda: os.geteuid() == 0,
    apt_get: str | None = None,
    run: Callable[..., bool] = _run,
    target: str = DEBIAN_CHROMIUM,
) -> Chromium | None:
    """As root with ``apt-get``: ``apt-get install chromium``, non-interactively."""
    apt = apt_get or shutil.which("apt-get")
    if apt is None or not is_root():
        return None
    print("browser: installing Debian's chromium (apt-get)", file=sys.stderr)
    run([apt, "update", "-qq"])
    installed = run(
        [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        DEBIAN_FRONTEND="noninteractive",
    )
    if installed and os.access(target, os.X_OK):
        return Chromium(target, "apt-get install chromium")
    return None


def install_playwright_chromium(run: Callable[..., bool] = _run) -> Chromium | None:
    """``python -m playwright install chromium``: Playwright's own build, in its cache folder
    (``PLAYWRIGHT_BROWSERS_PATH``, by default ~/.cache/ms-playwright); nothing is downloaded
    again when it is there."""
    print("browser: python -m playwright install chromium", file=sys.stderr)
    if run([sys.executable, "-m", "playwright", "install", "chromium"]):
        return Chromium(None, "python -m playwright install chromium")
    return None


def main() -> int:
    try:
        found = configured_browser()
    except BrowserMissing as missing:
        print(missing, file=sys.stderr)
        return 1
    print(f"browser tests: Chromium from {found.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The browser test kit itself: which Chromium is used or installed (tests/e2e/browser.py), a
missing one failing the browser tests with one line, screenshots (tests/e2e/shots.py) and the
axe-core check (tests/e2e/accessibility.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.conftest import LiveServer
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import (
    DEBIAN_CHROMIUM,
    MISSING,
    BrowserMissing,
    Chromium,
    find_browser,
    install_debian_chromium,
    install_playwright_chromium,
)
from tests.e2e.shots import shoot

PROJECT = Path(__file__).resolve().parent.parent.parent


def executable(tmp_path: Path) -> str:
    path = tmp_path / "chromium"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


# --- which Chromium ----------------------------------------------------------------------------


def test_the_first_present_candidate_is_used_without_installing(tmp_path: Path):
    present = executable(tmp_path)

    def must_not_install() -> Chromium | None:
        raise AssertionError("a present Chromium needs no installer")

    found = find_browser([str(tmp_path / "missing"), present], installers=[must_not_install])
    assert found == Chromium(present, present)


def test_a_file_that_is_not_executable_is_no_browser(tmp_path: Path):
    plain = tmp_path / "chromium"
    plain.write_text("")
    with pytest.raises(BrowserMissing):
        find_browser([str(plain)], installers=[])


def test_missing_candidates_lead_to_the_first_installer_that_succeeds(tmp_path: Path):
    tried: list[str] = []

    def failing() -> Chromium | None:
        tried.append("apt-get")
        return None

    def playwright() -> Chromium | None:
        tried.append("playwright")
        return Chromium(None, "python -m playwright install chromium")

    found = find_browser([str(tmp_path / "missing")], installers=[failing, playwright])
    assert tried == ["apt-get", "playwright"]
    assert found.executable is None  # Playwright's own build: launched without a path


def test_no_browser_and_no_installer_says_what_to_install(tmp_path: Path):
    with pytest.raises(BrowserMissing) as missing:
        find_browser([str(tmp_path / "missing")], installers=[lambda: None])
    assert str(missing.value) == MISSING
    assert "\n" not in MISSING
    assert "apt-get install chromium" in MISSING and "playwright install chromium" in MISSING


def test_debian_chromium_is_installed_only_as_root_with_apt_get(tmp_path: Path):
    commands: list[tuple[list[str], dict[str, str]]] = []

    def run(command: list[str], **env: str) -> bool:
        commands.append((command, env))
        return True

    target = executable(tmp_path)
    assert install_debian_chromium(lambda: False, "/usr/bin/apt-get", run, target) is None
    assert commands == []
    found = install_debian_chromium(lambda: True, "/usr/bin/apt-get", run, target)
    assert found == Chromium(target, "apt-get install chromium")
    assert commands[-1] == (
        ["/usr/bin/apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        {"DEBIAN_FRONTEND": "noninteractive"},
    )
    # Installed, yet no executable where Debian puts it: not found.
    missing = str(tmp_path / "nowhere")
    assert install_debian_chromium(lambda: True, "/usr/bin/apt-get", run, missing) is None


def test_playwright_install_failing_brings_nothing():
    assert install_playwright_chromium(lambda command, **env: False) is None
    found = install_playwright_chromium(lambda command, **env: True)
    assert found == Chromium(None, "python -m playwright install chromium")


def test_the_fixture_prefers_debians_chromium(chromium_executable: Chromium):
    """On this project's machines /usr/bin/chromium is there (or `make test` installed it):
    the session's browser is that one, launched by path."""
    wanted = os.environ.get("IDP_TEST_CHROMIUM")
    if wanted:
        assert chromium_executable == Chromium(wanted, wanted)
    elif os.access(DEBIAN_CHROMIUM, os.X_OK):
        assert chromium_executable.executable == DEBIAN_CHROMIUM
    else:
        assert chromium_executable == Chromium(None, "python -m playwright install chromium")


def test_a_missing_browser_fails_the_browser_tests_with_one_line(tmp_path: Path):
    """Run as a member of the team would, with a Chromium that is not there: the browser
    test is *failed* (not an error, not skipped), with the line saying what to install."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["IDP_TEST_CHROMIUM"] = str(tmp_path / "no-chromium")
    env["PYTHONPATH"] = str(PROJECT)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/e2e/test_page_states.py::test_not_found"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 1, out
    assert "4 failed" in out and "error" not in out.lower().split("short test summary")[-1], out
    assert "skipped" not in out and "passed" not in out, out
    assert out.count(MISSING) >= 1, out


# --- screenshots and axe -------------------------------------------------------------------


def test_shoot_saves_a_full_page_png_named_after_the_state(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("IDP_TEST_ARTEFACTS", str(tmp_path / "artefacts"))
    page.set_content('<html lang="fr"><body><p>long</p><div class="tall"></div></body></html>')
    page.evaluate("document.querySelector('.tall').style.height = '3000px'")
    path = shoot(page, "Un état")
    assert path == tmp_path / "artefacts" / "screenshots" / "phone-fr-un-tat.png"
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    height = int.from_bytes(png[20:24], "big")
    assert height >= 3000  # the whole page, not only the 740 px shown


def test_axe_lists_each_violation(page: Page):
    page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main><h1>Titre</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input id="x" type="text">'
        "</main></body></html>"
    )
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accessible(page)
    message = str(failed.value)
    assert "image-alt (critical): img" in message
    assert "label (critical): #x" in message


def test_axe_passes_a_clean_page(page: Page):
    page.set_content(
        '<html lang="fr"><head><title>t</title></head><body><main><h1>Titre</h1>'
        '<label for="x">Nom</label><input id="x" type="text"></main></body></html>'
    )
    assert_accessible(page)


def test_axe_runs_under_the_pages_content_security_policy(page: Page, server: LiveServer):
    """The real pages refuse injected scripts (``script-src 'self'``): axe still runs there,
    and finds a field whose label was taken away."""
    response = page.goto(f"{server.url}/activation")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert_accessible(page)
    page.evaluate("document.querySelector('label[for=member_number]').remove()")
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accessible(page)
    assert "label (critical): #member_number" in str(failed.value)
    assert page.csp_errors == []  # type: ignore[attr-defined]

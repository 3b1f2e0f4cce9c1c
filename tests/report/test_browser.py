"""The report page in a real browser: headless Chromium renders the fixture output's page from
disk; the DOM it built has every section with the fixture's counts and nothing a feed injected,
the browser logs no console message (a script error or a Content-Security-Policy refusal would
be one), and a screenshot is saved for review (its path is printed; pytest -s shows it).

Skipped when no Chromium is installed, except where CI or NEWSBEAM_BROWSER_TESTS is set (.ci/run
installs Debian's chromium and sets NEWSBEAM_BROWSER_TESTS): there a missing browser fails the
test. NEWSBEAM_CHROMIUM names another binary.
"""
import os
import shutil
import subprocess

import pytest

from newsbeam.pipelines.cli import main as newsbeam
from newsbeam.transforms.report.html import SECTIONS
from tests.report.test_report import expected_sections, parse, section_counts
from tests.support import report_output
from tests.support.report_output import EXPECTED

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120


def chromium() -> str:
    found = os.environ.get("NEWSBEAM_CHROMIUM") or next(
        (path for path in map(shutil.which, BROWSERS) if path), None)
    if found:
        return found
    message = f"no Chromium found ({', '.join(BROWSERS)}; or set NEWSBEAM_CHROMIUM)"
    if os.environ.get("CI") or os.environ.get("NEWSBEAM_BROWSER_TESTS"):
        pytest.fail(f"{message}, and the browser test must run in CI")
    pytest.skip(message)


def headless(browser: str, profile, *arguments) -> subprocess.CompletedProcess:
    """Chromium headless, on its own profile, logging the page's console to stderr. No sandbox:
    CI runs as root, and the page is our own, with no script; no /dev/shm, which containers
    keep small."""
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run",
         "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", *arguments],
        capture_output=True, text=True, timeout=TIMEOUT, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    output = report_output.write_output(folder / "output")
    path = folder / "report.html"
    assert newsbeam(["report", output, "--html", str(path)]) == 0
    return path


def test_the_page_renders_with_every_section_and_no_console_message(page, tmp_path):
    browser = chromium()
    result = headless(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.lstrip().lower().startswith("<!doctype html>"), result.stdout[:500]
    elements = parse(result.stdout)
    sections = section_counts(elements)
    assert list(sections) == [key for key, _ in SECTIONS]
    for key, count in expected_sections().items():
        assert sections[key]["data-count"] == count, key
    assert sections["feeds"]["data-failing"] == str(EXPECTED["failing"])
    groups = {(attrs["data-stage"], attrs["data-reason"]): int(attrs["data-count"])
              for tag, attrs in elements if tag == "tr" and "data-stage" in attrs}
    assert groups == EXPECTED["dead_letter_groups"]
    # What the browser built holds nothing a feed wrote as markup.
    assert not [tag for tag, _ in elements if tag in ("script", "img", "b", "iframe")]
    assert not [attrs for _, attrs in elements if any(name.startswith("on") for name in attrs)]
    assert "<script>alert(1)</script>" not in result.stdout
    assert console_lines(result.stderr) == []


def test_a_screenshot_for_review(page, tmp_path):
    browser = chromium()
    shot = tmp_path / "report.png"
    result = headless(browser, tmp_path / "profile", "--hide-scrollbars",
                      "--window-size=1280,3200", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_lines(result.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page, not a blank one
    print(f"\nscreenshot of the report page: {shot}")

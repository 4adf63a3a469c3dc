"""The two HTML reports in a real browser: headless Chromium (Debian package `chromium`).

What it proves, on the small release of tests/test_reports.py:
- every chart is drawn: after load, each chart `<div>` has become a plotly plot with its
  `svg.main-svg` and at least one trace, and the browser logged no script error;
- nothing in the pages comes from the network: with every host name unresolvable the DOM
  has the same drawn charts as without, and Chromium's network log shows no request made
  by the page (the browser's own background requests carry no page initiator);
- the negative control: the same network check catches a page that loads a CDN script;
- screenshots of both pages, for a person to look at, in data/test-artefacts/ (git-ignored).

Skipped, with the reason, where /usr/bin/chromium is not installed (`make test` installs it
when run as root: `apt-get install -y chromium`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from exports.reports import NATIONAL_REPORT_FILE, QUALITY_REPORT_FILE, write_reports
from ingest.config import PROJECT_ROOT
from test_reports import assert_self_contained, build_release, context

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = PROJECT_ROOT / "data" / "test-artefacts"
WINDOW = (1400, 3000)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
]
BLOCK_NETWORK = '--host-resolver-rules=MAP * ~NOTFOUND'
# Requests Chromium makes for itself carry this initiator; a page's requests carry its origin.
BROWSER_INITIATOR = "not an origin"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless Chromium is not installed at /usr/bin/chromium (Debian: apt-get install -y chromium; "
    "`make test` installs it when run as root)",
)


def run_chromium(page: Path, profile: Path, *, block_network: bool, screenshot: Path | None = None,
                 net_log: Path | None = None, extra: tuple[str, ...] = (),
                 window: tuple[int, int] = WINDOW) -> tuple[str, str]:
    """Load the page once; return the DOM after load and the browser's log."""
    arguments = [str(CHROMIUM), *FLAGS, *extra, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}"]
    if block_network:
        arguments.append(BLOCK_NETWORK)
    if screenshot is not None:
        arguments.append(f"--screenshot={screenshot}")
    if net_log is not None:
        arguments.append(f"--log-net-log={net_log}")
    arguments += ["--dump-dom", page.as_uri()]
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=180, check=False, cwd=profile)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, result.stderr


def drawn_charts(dom: str) -> dict[str, int]:
    """Chart id → number of plotly traces drawn, for every chart plotly has drawn."""
    drawn = {}
    for chart in re.split(r'(?=<div id="chart-)', dom)[1:]:
        match = re.match(r'<div id="(chart-[^"]+)" class="plotly-graph-div js-plotly-plot"', chart)
        if match and 'class="main-svg"' in chart:
            drawn[match.group(1)] = len(re.findall(r'class="trace scatter', chart))
    return drawn


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked the network for (not file:, data:, ...), from Chromium's NetLog."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = set()
    for event in log["events"]:
        parameters = event.get("params") or {}
        url = parameters.get("url")  # only the event's begin phase has it
        if event["type"] != start_job or not url or parameters.get("initiator") == BROWSER_INITIATOR:
            continue
        if not url.startswith(LOCAL_SCHEMES):
            requested.add(url)
    return sorted(requested)


def script_errors(browser_log: str) -> list[str]:
    return [line for line in browser_log.splitlines() if "Uncaught" in line or ("CONSOLE" in line and "rror" in line)]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    release = build_release(tmp_path_factory.mktemp("browser-release") / "2025-20250901T000000Z")
    national, quality = write_reports(release, context())[:2]
    return {NATIONAL_REPORT_FILE: national, QUALITY_REPORT_FILE: quality}


@pytest.mark.parametrize("name", [NATIONAL_REPORT_FILE, QUALITY_REPORT_FILE])
def test_page_renders_offline_with_no_network_request_and_is_screenshotted(pages, name, tmp_path) -> None:
    page = pages[name]
    source = page.read_text(encoding="utf-8")
    assert_self_contained(source)  # the static check, before the browser
    charts_in_source = re.findall(r'<div id="(chart-[^"]+)" class="plotly-graph-div"', source)

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTEFACTS / f"{page.stem}.png"
    screenshot.unlink(missing_ok=True)
    net_log = tmp_path / "netlog.json"
    (tmp_path / "offline").mkdir()
    (tmp_path / "online").mkdir()
    offline_dom, offline_log = run_chromium(page, tmp_path / "offline", block_network=True,
                                            screenshot=screenshot, net_log=net_log)
    online_dom, _ = run_chromium(page, tmp_path / "online", block_network=False)

    # Every chart is drawn, with its traces, and the same with or without a network.
    offline = drawn_charts(offline_dom)
    assert sorted(offline) == sorted(charts_in_source)
    assert all(traces >= 1 for traces in offline.values()), offline
    assert drawn_charts(online_dom) == offline
    assert offline_dom.count('class="main-svg"') == online_dom.count('class="main-svg"')
    if name == NATIONAL_REPORT_FILE:
        assert len(offline) >= 9, "the small release has trend, funnel and regional charts"
    assert not script_errors(offline_log), script_errors(offline_log)

    # Nothing was asked of the network by the page.
    assert page_requests(net_log) == []

    # The screenshot is there for a person to look at.
    assert png_size(screenshot) == WINDOW
    assert screenshot.stat().st_size > 20_000, "a blank page compresses to almost nothing"


def test_the_network_check_catches_a_page_that_loads_from_a_cdn(tmp_path) -> None:
    page = tmp_path / "cdn.html"
    page.write_text(
        '<!DOCTYPE html><html><head><script src="https://cdn.plot.ly/plotly-latest.min.js"></script></head>'
        '<body><img src="http://example.invalid/logo.png" alt=""></body></html>',
        encoding="utf-8",
    )
    net_log = tmp_path / "netlog.json"
    (tmp_path / "profile").mkdir()
    run_chromium(page, tmp_path / "profile", block_network=True, net_log=net_log)
    assert page_requests(net_log) == ["http://example.invalid/logo.png", "https://cdn.plot.ly/plotly-latest.min.js"]
    with pytest.raises(AssertionError, match="outside the release"):
        assert_self_contained(page.read_text(encoding="utf-8"))


def test_artefacts_folder_is_git_ignored() -> None:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "-q", str(ARTEFACTS / "national_report.png")],
                            cwd=PROJECT_ROOT, check=False)
    assert result.returncode == 0, "data/test-artefacts/ must be git-ignored"

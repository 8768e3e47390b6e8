"""A classroom in a real browser: one session alone, then eight at once, against one SynthLab server.

Starts the app on a free localhost port (stopped at the end), drives Chromium through Playwright
(the system's chromium), and times each action of the main flow per session: open the app, switch
to Missingness, to Impute and impute, to Synthesize, Generate (Gaussian copula, else the page's
default method), open Compare and wait for its scores. Prints p50/p95 seconds per action for one
session and for eight, their ratio, and the server's peak resident memory (psutil) in each phase.
Then one more session starts a long neural training and closes its tab: the server must stop it,
which shows as its CPU falling back to idle (see ui.training.GONE_SECONDS).

    python bench/load_sessions.py [--sessions 8] [--skip-closed-tab]

Only localhost traffic. Every wait is bounded; a step that times out is reported as failed.
Needs: playwright (pip) and chromium (apt-get install chromium), psutil.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ACTIONS = ("open", "missingness", "impute", "synthesize", "generate", "compare")
STEP_SECONDS = 180  # the longest any one action may take before it counts as failed
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app on a free localhost port, with its resident memory sampled every 0.2 s."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="synthlab-load-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.process = psutil.Process(self.proc.pid)
        self.peak = 0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            self.__exit__()
            raise SystemExit(f"The server did not start within 90 s (log: {self.log.name}).")
        self._sampler.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._done.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def _sample(self) -> None:
        while not self._done.wait(0.2):
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return

    def reset_peak(self) -> None:
        self.peak = self.process.memory_info().rss


async def idle(page: Page) -> None:
    """Streamlit has finished the script run (the app root says so)."""
    await page.locator(IDLE).wait_for(state="attached", timeout=STEP_SECONDS * 1000)


async def open_page(page: Page, name: str) -> None:
    """Click ``name`` in the sidebar's navigation and wait for the page's heading and the end of its run."""
    await page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
    await page.get_by_role("heading", name=name, exact=True).first.wait_for(timeout=STEP_SECONDS * 1000)
    await idle(page)


async def choose(page: Page, label: str, option: str) -> bool:
    """Pick ``option`` in the selectbox labelled ``label``; False when it has no such option."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first
    for _ in range(5):
        try:
            await box.get_by_role("button", name="Open").first.click(timeout=5_000)
            item = page.get_by_role("option", name=option, exact=True)
            if not await item.count():
                await page.keyboard.press("Escape")
                return False
            await item.click(timeout=2_000)
            await idle(page)
            return True
        except Exception:  # noqa: BLE001 - a rerun closed the list under the click: try again
            await page.keyboard.press("Escape")
    return False


async def session(browser, url: str, times: dict[str, list[float]], failures: list[str], who: str) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(STEP_SECONDS * 1000)

    async def timed(action: str, step) -> None:
        start = time.perf_counter()
        try:
            await asyncio.wait_for(step(), STEP_SECONDS)
        except Exception as exc:  # counted and reported (then re-raised); the other sessions go on
            first_line = (str(exc).splitlines() or [""])[0][:120]
            failures.append(f"{who} {action}: {type(exc).__name__}: {first_line}")
            raise
        times.setdefault(action, []).append(time.perf_counter() - start)
        print(f"  {who} {action}: {times[action][-1]:.1f} s", file=sys.stderr, flush=True)
        if await page.get_by_test_id("stException").count():
            failures.append(f"{who} {action}: the page shows an exception")

    async def open_app() -> None:
        await page.goto(url)
        await page.get_by_test_id("stSidebarNav").wait_for()
        await idle(page)

    async def impute() -> None:
        await open_page(page, "Impute")
        await page.get_by_role("button", name="Impute", exact=True).click()
        await page.get_by_role("heading", name="Before and after", exact=False).first.wait_for()
        await idle(page)

    async def generate() -> None:
        statistical = page.get_by_test_id("stRadio").get_by_text("Statistical models", exact=False)
        method = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Method", exact=True)).first
        for _ in range(3):  # a rerun arriving during the clicks can undo them: check what is on screen
            if not await statistical.count() or "Gaussian copula" in await method.inner_text():
                break
            await statistical.first.click()
            await idle(page)
            await choose(page, "Method", "Gaussian copula")
        await page.get_by_role("button", name="Generate", exact=True).click()
        made = page.get_by_test_id("stSidebar").get_by_text("Synthesis runs: 1")
        refused = page.get_by_test_id("stAlertContentError")
        await made.or_(refused).first.wait_for()
        if not await made.count():
            raise RuntimeError(f"Generate was refused: {await refused.first.inner_text()}")
        await idle(page)

    async def compare() -> None:
        await page.get_by_test_id("stSidebarNav").get_by_text("Compare", exact=True).click()
        await page.get_by_test_id("stMetric").first.wait_for()
        await idle(page)

    try:
        await timed("open", open_app)
        await timed("missingness", lambda: open_page(page, "Missingness"))
        await timed("impute", impute)
        await timed("synthesize", lambda: open_page(page, "Synthesize"))
        await timed("generate", generate)
        await timed("compare", compare)
    except Exception:  # noqa: BLE001 - already recorded; this session stops here
        pass
    finally:
        await context.close()


async def phase(browser, server: Server, n: int) -> tuple[dict[str, list[float]], list[str], float, int]:
    times: dict[str, list[float]] = {}
    failures: list[str] = []
    server.reset_peak()
    start = time.perf_counter()
    await asyncio.gather(*(session(browser, server.url, times, failures, f"session {i + 1}") for i in range(n)))
    return times, failures, time.perf_counter() - start, server.peak


async def closed_tab(browser, server: Server) -> str:
    """Start a long training, close the tab, and time how long the server's CPU takes to fall back to idle."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(server.url)
    await idle(page)
    await open_page(page, "Synthesize")
    await page.get_by_test_id("stRadio").get_by_text("Neural networks", exact=False).first.click()
    await idle(page)
    epochs = page.locator('[class*="st-key-synth--"][class*="--epochs"] input').first  # the default network's
    await epochs.fill("5000")
    await epochs.press("Enter")
    await idle(page)
    await page.get_by_role("button", name="Train and generate").click()
    await page.get_by_text("Epoch ", exact=False).first.wait_for(timeout=120_000)
    busy = server.process.cpu_percent(interval=2.0)
    await context.close()
    closed = time.monotonic()
    quiet = 0
    while time.monotonic() - closed < 120:
        cpu = await asyncio.to_thread(server.process.cpu_percent, 1.0)
        quiet = quiet + 1 if cpu < 15 else 0
        if quiet == 3:
            return (f"training CPU {busy:.0f}% before the tab closed; server idle "
                    f"{time.monotonic() - closed - 3:.0f} s after it closed")
    return f"training CPU {busy:.0f}% before the tab closed; the server was still busy 120 s after it closed"


def table(alone: dict[str, list[float]], crowd: dict[str, list[float]], n: int) -> str:
    lines = [f"{'action':<12} {'p50 1':>8} {'p95 1':>8} {f'p50 {n}':>8} {f'p95 {n}':>8} {'ratio p50':>10} "
             f"{'ratio p95':>10}"]
    for action in ACTIONS:
        a, b = alone.get(action), crowd.get(action)
        if not a or not b:
            lines.append(f"{action:<12} {'(failed)':>8}")
            continue
        (a50, a95), (b50, b95) = np.percentile(a, [50, 95]), np.percentile(b, [50, 95])
        lines.append(f"{action:<12} {a50:8.2f} {a95:8.2f} {b50:8.2f} {b95:8.2f} {b50 / a50:10.1f} {b95 / a95:10.1f}")
    return "\n".join(lines)


async def main(sessions: int, skip_closed_tab: bool) -> int:
    chromium = shutil.which("chromium")
    if not chromium:
        print("Chromium is not installed (apt-get install chromium).")
        return 1
    load = psutil.getloadavg()[0]
    with Server() as server:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=ARGS)
            *_, wall_0, _ = await phase(browser, server, 1)  # warm-up: the server's first imports, not counted
            alone, failures_1, wall_1, peak_1 = await phase(browser, server, 1)
            crowd, failures_n, wall_n, peak_n = await phase(browser, server, sessions)
            try:
                closing = None if skip_closed_tab else await closed_tab(browser, server)
            except Exception as exc:  # noqa: BLE001 - reported beside the figures
                closing = f"could not be measured ({type(exc).__name__})"
            await browser.close()
    print(f"SynthLab load test: 1 session, then {sessions} at once, on {psutil.cpu_count()} cores "
          f"(load average before: {load:.1f}; warm-up session {wall_0:.1f} s)")
    print(table(alone, crowd, sessions))
    print(f"wall time: 1 session {wall_1:.1f} s, {sessions} sessions {wall_n:.1f} s")
    print(f"server peak RSS: 1 session {peak_1 / 2**20:,.0f} MB, {sessions} sessions {peak_n / 2**20:,.0f} MB")
    if closing:
        print(f"closed tab: {closing}")
    for failure in failures_1 + failures_n:
        print(f"FAILED {failure}")
    return 1 if failures_1 or failures_n else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--skip-closed-tab", action="store_true")
    options = parser.parse_args()
    raise SystemExit(asyncio.run(main(options.sessions, options.skip_closed_tab)))

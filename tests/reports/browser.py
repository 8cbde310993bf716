"""A headless Chromium driven over the DevTools protocol (websockets, already installed with Prefect).

No Playwright or Selenium: Debian's `chromium` is started with an empty profile and the network
switched off, a page is loaded from file://, and we read back console errors, every request the
page made, values from the DOM, and a full-page PNG screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--proxy-server=http://127.0.0.1:9",  # belt and braces: nothing can reach a real host
    RESOLVER := "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-port=0",
]


def chromium_path() -> str | None:
    """Debian's chromium (make browser installs it), or one on PATH."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What a page did while loading."""

    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium with one page target."""

    def __init__(self, exe: str, workdir: Path, *, offline: bool = True) -> None:
        profile = workdir / "profile"
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a stale one from a reused dir
        # Online, only 127.0.0.1 resolves: the desk's server, and nothing else.
        flags = FLAGS if offline else [*FLAGS, f"{RESOLVER}, EXCLUDE 127.0.0.1"]
        self.proc = subprocess.Popen(
            [exe, *flags, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: close() ends exactly what we started
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self._stop()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no *_proxy
            with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.loads(resp.read())
            page = next(t for t in targets if t.get("type") == "page")
            self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        except Exception:
            self._stop()
            raise
        self._id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        # offline=False for a page served on 127.0.0.1 (the review desk): the proxy and resolver
        # flags still keep every other host out of reach.
        self.call(
            "Network.emulateNetworkConditions",
            offline=offline,
            latency=0,
            downloadThroughput=-1,
            uploadThroughput=-1,
        )

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events meanwhile are kept)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self.events.append(msg)

    def _wait_event(self, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e["method"] == name for e in self.events):
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if "method" in msg:
                self.events.append(msg)

    def open(self, url: str, width: int = 1280) -> PageReport:
        """Load url and report every request and console/log error."""
        self.events.clear()
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", url=url)
        return self._loaded(url)

    def navigating(self, expression: str) -> PageReport:
        """Run JavaScript that leads to a new page (a form submitted, a key pressed), report it."""
        self.events.clear()
        self.evaluate(expression)
        return self._loaded(expression)

    def key(self, key: str) -> None:
        """Press and release one key in the page (a character, or Enter), as a user types it."""
        text, code = ("\r", 13) if key == "Enter" else (key, ord(key.upper()))
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                text=text if kind == "keyDown" else "",
                windowsVirtualKeyCode=code,
            )

    def pressing(self, key: str) -> PageReport:
        """Press a key that leads to a new page, report it."""
        self.events.clear()
        self.key(key)
        return self._loaded(f"key {key}")

    def _loaded(self, url: str) -> PageReport:
        self._wait_event("Page.loadEventFired")
        self.evaluate("1")  # drain events queued during load
        report = PageReport(url)
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Network.requestWillBeSent":
                report.requests.append(p["request"]["url"])
            elif e["method"] == "Runtime.exceptionThrown":
                report.errors.append(json.dumps(p.get("exceptionDetails", {}))[:500])
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                report.errors.append(json.dumps(p.get("args", []))[:500])
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                report.errors.append(p["entry"].get("text", "")[:500])
        return report

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page."""
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return out.get("result", {}).get("value")

    def screenshot(self, path: Path, width: int = 1280) -> Path:
        """Full-page PNG."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        """Stop this browser (only the processes we started)."""
        try:
            self.ws.close()
        finally:
            self._stop()

    def _stop(self) -> None:
        """End the browser's own process group (started with start_new_session)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

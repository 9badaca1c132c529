"""Open a local HTML page in headless Chromium and report what a reader would meet.

Talks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (file descriptors 3 and
4, JSON messages ending in NUL), so it needs nothing but the standard library and Debian's
``chromium``. Used by the report and docs tests, and runnable by hand::

    python tests/browser_check.py docs/_build/html/index.html shot.png
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
  src: i.currentSrc.slice(0, 60), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})))"""


def chromium() -> str | None:
    """Path of Debian's chromium (or another Chromium/Chrome), None if there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    """What loading a page gave: console errors, uncaught exceptions, failed loads and images."""

    errors: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    screenshot: bytes = b""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def broken_images(self) -> list[dict[str, Any]]:
        return [i for i in self.images if not i["complete"] or i["width"] == 0 or i["height"] == 0]


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc, self.w, self.r = proc, write_fd, read_fd
        self.buf = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.read(timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return dict(m.get("result", {}))
            self.events.append(m)

    def read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return dict(json.loads(raw))

    def wait_for(self, method: str, timeout: float) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while True:
            m = self.read(max(0.01, deadline - time.monotonic()))
            self.events.append(m)
            if m.get("method") == method:
                return


def check_page(page: str | Path, *, width: int = 1200, height: int = 900, settle: float = 0.5,
               evaluate: dict[str, str] | None = None) -> PageCheck:
    """Load ``page`` (a local file) in headless Chromium; collect errors, images and a screenshot.

    ``evaluate`` maps names to JavaScript expressions, evaluated after the page settled (a
    promise is awaited); their JSON values are in :attr:`PageCheck.values` under the same names.

    Raises
    ------
    FileNotFoundError
        If there is no Chromium, or no such page.
    """
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install -y chromium)")
    page = Path(page).resolve()
    if not page.is_file():
        raise FileNotFoundError(page)
    cmd_r, cmd_w = os.pipe()
    resp_r, resp_w = os.pipe()

    def _fds() -> None:  # chromium reads commands from fd 3 and writes answers to fd 4
        import fcntl

        a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)  # above 4, so the dup2s below cannot clobber them
        b = fcntl.fcntl(resp_w, fcntl.F_DUPFD, 10)
        os.dup2(a, 3, inheritable=True)
        os.dup2(b, 4, inheritable=True)

    with tempfile.TemporaryDirectory(prefix="aicast-chromium-") as profile:
        proc = subprocess.Popen(
            [exe, "--headless=new", "--disable-gpu", "--no-sandbox", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            preexec_fn=_fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(resp_w)
        pipe = _Pipe(proc, cmd_w, resp_r)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=60)["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
            pipe.send("Page.navigate", {"url": page.as_uri()}, session=session)
            pipe.wait_for("Page.loadEventFired", timeout=60)
            time.sleep(settle)  # let scripts that run after load report their errors
            out = PageCheck()
            ev = pipe.send("Runtime.evaluate", {"expression": _IMAGES_JS, "returnByValue": True}, session=session)
            out.images = json.loads(ev["result"]["value"])
            out.title = pipe.send("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                                  session=session)["result"]["value"]
            for name, expr in (evaluate or {}).items():
                res = pipe.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                                session=session, timeout=60)
                if "exceptionDetails" in res:
                    out.errors.append(f"evaluate {name}: {res['exceptionDetails'].get('text')}")
                out.values[name] = res.get("result", {}).get("value")
            shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
            out.screenshot = base64.b64decode(shot["data"])
            for e in pipe.events:
                p = e.get("params", {})
                if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                    out.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                             for a in p.get("args", [])))
                elif e.get("method") == "Runtime.exceptionThrown":
                    d = p.get("exceptionDetails", {})
                    out.errors.append("exception: " + str(d.get("exception", {}).get("description", d.get("text"))))
                elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                    entry = p["entry"]
                    out.errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
            try:
                pipe.send("Browser.close", timeout=10)
            except (RuntimeError, TimeoutError):
                pass
            return out
        finally:
            os.close(cmd_w)
            os.close(resp_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def check_page_or_skip(page: str | Path, **kwargs: Any) -> PageCheck:
    """:func:`check_page`, or skip the calling test, saying why, where there is no Chromium."""
    if chromium() is None:
        import pytest

        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium; .ci/setup does it as root)")
    return check_page(page, **kwargs)


if __name__ == "__main__":
    res = check_page(sys.argv[1])
    print(f"title: {res.title}\nimages: {len(res.images)}, broken: {res.broken_images}\nerrors: {res.errors}")
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_bytes(res.screenshot)
    sys.exit(1 if res.errors or res.broken_images else 0)

"""Progress on long runs: per step rows and rate, on a terminal as a rich display, else log lines.

    with progress.step("load register", total_rows=n) as s:
        s.advance(rows)          # or progress.advance(rows) from code that has no handle

Each finished step says its rows and rate in one line (the Prefect run's log under Prefect or
CI; above the display on a terminal), and a step silent for HEARTBEAT_S says it is still
running, so a 10M-row run never sits a minute without a word.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

HEARTBEAT_S = 30.0  # longest silence while a step runs
_POLL_S = 5.0  # how often the heartbeat looks (at most)

_clock: Callable[[], float] = time.monotonic
_lock = threading.RLock()
_stream: TextIO | None = None
_live_wanted = False  # a rich display on _stream (a terminal)
_live: Any = None  # the rich Progress while a step runs on a terminal
_started = 0.0
_last_line = 0.0
_steps: list[Step] = []
_beat: threading.Thread | None = None
_wake = threading.Event()  # the heartbeat thread looks now (the last step ended)


@dataclass
class Step:
    """One running step: its rows so far, where its lines go."""

    name: str
    total: int | None
    log: Callable[[str], Any]
    started: float
    quiet_under: float = 0.0  # a step shorter than this ends without a line
    rows: int = 0
    task: Any = None  # its rich task id on a terminal

    def advance(self, rows: int) -> None:
        """Count `rows` more rows done."""
        with _lock:
            self.rows += rows
            if _live is not None and self.task is not None:
                _live.update(self.task, completed=self.rows)

    def line(self, now: float, *, done: bool) -> str:
        """What the step says when it ends (done) or when it has been silent too long."""
        took = max(now - self.started, 1e-9)
        of = f" of {self.total:,}" if self.total is not None else ""
        rows = f"{self.rows:,}{of} rows, {self.rows / took:,.0f} rows/s" if self.rows else ""
        if done:
            return f"{self.name}: done in {took:.1f} s" + (f" ({rows})" if rows else "")
        return f"{self.name}: still running after {took:.0f} s" + (f" ({rows})" if rows else "")


def show_on(stream: TextIO | None = None, live: bool | None = None) -> None:
    """Echo progress to `stream` (default stderr) from now on; `live`: a rich display (default:
    when the stream is a terminal), else plain lines."""
    global _stream, _started, _live_wanted
    _stream = stream if stream is not None else sys.stderr
    _live_wanted = _stream.isatty() if live is None else live
    _started = _clock()


def stop() -> None:
    """Echo nothing more."""
    global _stream
    with _lock:
        _end_live()
        _stream = None


def emit(message: str) -> None:
    """One progress line, with the seconds since the command started, when someone watches."""
    global _last_line
    with _lock:
        _last_line = _clock()
        if _stream is None:
            return
        text = f"[{_clock() - _started:6.1f} s] {message}"
        if _live is not None:
            _live.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            _stream.write(text + "\n")
            _stream.flush()


def _say(st: Step, message: str) -> None:
    """A step's line: in the run's log, and on the terminal."""
    st.log(message)
    emit(message)


def _logger() -> Callable[[str], Any]:
    """The Prefect run's logger inside a flow or task run (its lines reach the server), else
    hkam's own; Prefect is never imported here for it (that alone takes a second)."""
    if "prefect" in sys.modules:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            return get_run_logger().info
        except MissingContextError:
            pass
    return logging.getLogger("hkam.progress").info


@contextmanager
def step(name: str, total_rows: int | None = None, quiet_under: float = 0.0) -> Iterator[Step]:
    """A step of a run: yields its Step (advance it by the rows done); one line when it ends,
    unless it took less than `quiet_under` seconds."""
    global _beat
    st = Step(name, total_rows, _logger(), _clock(), quiet_under)
    with _lock:
        _steps.append(st)
        if _live_wanted and _stream is not None:
            st.task = _start_live().add_task(name, total=total_rows)
        if _beat is None:
            _beat = threading.Thread(target=_heartbeats, name="hkam-progress", daemon=True)
            _beat.start()
    try:
        yield st
    finally:
        with _lock:
            _steps.remove(st)
            if _live is not None and st.task is not None:
                _live.remove_task(st.task)
            now = _clock()
            if now - st.started >= st.quiet_under:
                _say(st, st.line(now, done=True))
            if not _steps:
                _end_live()
                _wake.set()


def advance(rows: int) -> None:
    """Count `rows` more rows done in the innermost running step (none: nothing)."""
    with _lock:
        current = _steps[-1] if _steps else None
    if current is not None:
        current.advance(rows)


def heartbeat() -> str | None:
    """The innermost step's 'still running' line when nothing was said for HEARTBEAT_S."""
    with _lock:
        now = _clock()
        if not _steps:
            return None
        st = _steps[-1]
        if now - max(_last_line, st.started) < HEARTBEAT_S:  # silence counts from its start
            return None
        message = st.line(now, done=False)
        _say(st, message)
        return message


def _heartbeats() -> None:
    """The heartbeat thread: runs while any step does."""
    global _beat
    while True:
        _wake.wait(min(_POLL_S, HEARTBEAT_S / 3))
        with _lock:
            _wake.clear()
            if not _steps:
                _beat = None
                return
        heartbeat()


def _start_live() -> Any:
    """The rich display, started on first use (the caller holds _lock)."""
    global _live
    if _live is None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):  # rich's speed columns count bytes
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} rows/s" if speed else "")

        _live = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} rows"),
            Rate(),
            TimeElapsedColumn(),
            console=Console(file=_stream, force_terminal=True),
            transient=True,
        )
        _live.start()
    return _live


def _end_live() -> None:
    """Take the display down (the caller holds _lock)."""
    global _live
    if _live is not None:
        _live.stop()
        _live = None

"""flows.progress: rows and rate per step, a line per step, a heartbeat in a silent step."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import pytest

from flows import progress


class Clock:
    """A hand-moved clock: the lines' seconds and rates follow it, never the machine's."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(progress, "_clock", c)
    monkeypatch.setattr(progress, "_POLL_S", 3600.0)  # the thread never looks by itself here
    # The hand clock's times must not outlive the test: left in _last_line, 1000 s reads as the
    # future to the real monotonic clock of a machine up less than that (a fresh CI box).
    monkeypatch.setattr(progress, "_last_line", 0.0)
    monkeypatch.setattr(progress, "_started", 0.0)
    yield c
    progress.stop()


def test_a_step_says_its_rows_and_rate_once_it_ends(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    out = io.StringIO()
    progress.show_on(out, live=False)
    caplog.set_level(logging.INFO, logger="hkam.progress")
    with progress.step("load register") as s:
        s.advance(600_000)
        progress.advance(400_000)  # from code without the handle (the register's parts)
        clock.now += 4.0
    line = "load register: done in 4.0 s (1,000,000 rows, 250,000 rows/s)"
    assert line in out.getvalue()
    assert caplog.messages == [line]  # and in the run's log, for Prefect and CI


def test_without_a_terminal_lines_go_only_to_the_log(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    progress.stop()
    caplog.set_level(logging.INFO, logger="hkam.progress")
    with progress.step("build marts"):
        clock.now += 2.0
    progress.advance(5)  # no step running: nothing to count, no error
    assert caplog.messages == ["build marts: done in 2.0 s"]


def test_short_inner_steps_stay_quiet_and_rows_go_to_the_innermost(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hkam.progress")
    with progress.step("reports"):
        with progress.step("export small", quiet_under=1.0):
            progress.advance(10)
            clock.now += 0.5
        with progress.step("export big", total_rows=3, quiet_under=1.0):
            progress.advance(3)
            clock.now += 1.5
    assert caplog.messages == [
        "export big: done in 1.5 s (3 of 3 rows, 2 rows/s)",
        "reports: done in 2.0 s",
    ]


def test_a_silent_step_gets_a_heartbeat(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    out = io.StringIO()
    progress.show_on(out, live=False)
    caplog.set_level(logging.INFO, logger="hkam.progress")
    with progress.step("validate and transform register", total_rows=10_000_000):
        clock.now += progress.HEARTBEAT_S - 1
        assert progress.heartbeat() is None  # said something recently
        progress.advance(2_000_000)
        clock.now += 11.0
        beat = progress.heartbeat()
        assert progress.heartbeat() is None  # the beat itself counts as saying something
        progress.emit("register: part 3 of 40 checked and staged")
        clock.now += progress.HEARTBEAT_S - 1
        assert progress.heartbeat() is None
    assert beat == (
        "validate and transform register: still running after 40 s "
        "(2,000,000 of 10,000,000 rows, 50,000 rows/s)"
    )
    assert beat in out.getvalue() and beat in caplog.messages


def test_the_heartbeat_thread_speaks_in_a_long_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real thread and clock, with a heartbeat every 50 ms instead of 30 s.
    said = threading.Event()
    lines: list[str] = []
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.05)
    monkeypatch.setattr(progress, "_logger", lambda: lambda m: (lines.append(m), said.set()))
    with progress.step("merge"):
        assert said.wait(timeout=30), "no heartbeat"
    assert lines[0].startswith("merge: still running after")
    assert lines[-1].startswith("merge: done in")


def test_on_a_terminal_a_rich_display_and_the_lines_above_it(clock: Clock) -> None:
    out = io.StringIO()
    progress.show_on(out, live=True)
    with progress.step("read register") as s:
        s.advance(1234)
        progress.emit("register: 1234 rows from 1 file(s); validating")
        clock.now += 1.0
    shown = out.getvalue()
    assert "register: 1234 rows from 1 file(s); validating" in shown
    assert "read register: done in 1.0 s (1,234 rows, 1,234 rows/s)" in shown
    assert progress._live is None  # the display is down between runs

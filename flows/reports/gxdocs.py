"""Great Expectations Data Docs for a run, rendered from each source's validation result.

GX 1.24's own renderers (ValidationResultsPageRenderer -> DefaultJinjaPageView) turn an
ExpectationSuiteValidationResult into the same static page a Data Docs site shows; we write one
page per source into reports/runs/<run_id>/gx/ with a small index. No data context, stores or
checkpoints are needed. The GX pages load GX's CSS/JS from public CDNs (GX's template); they are
readable unstyled offline. GX is imported only here, only when there is something to render.

A run that loads something renders them in a DocsWorker: a child process started with the run
imports GX (3.1 s of Python, the largest import hkam has) while the run works, then renders the
outcomes it is sent at the end. In a thread, the import held the GIL the run's own steps needed.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from flows.reports.charts import esc
from flows.reports.html import page

GX_MODULES = ("great_expectations.render.renderer", "great_expectations.render.view")


def write_data_docs(results: dict[str, Any], folder: Path) -> Path | None:
    """gx/<source>.html per validation result (GX's, or an Outcome's, built here) and
    gx/index.html; None when there is none."""
    from flows.validation import Outcome

    present = {
        name: r.gx_result if isinstance(r, Outcome) else r
        for name, r in results.items()
        if r is not None
    }
    if not present:
        return None
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    renderers, views = (importlib.import_module(m) for m in GX_MODULES)

    folder.mkdir(parents=True, exist_ok=True)
    renderer, view = renderers.ValidationResultsPageRenderer(), views.DefaultJinjaPageView()
    items = []
    for name, result in sorted(present.items()):
        target = folder / f"{name}.html"
        target.write_text(view.render(renderer.render(result)), encoding="utf-8")
        stats = getattr(result, "statistics", {}) or {}
        ok = "passed" if getattr(result, "success", False) else "failed"
        items.append(
            f'<li><a href="{esc(target.name)}">{esc(name)}</a>: suite '
            f"<code>{esc(getattr(result, 'suite_name', ''))}</code>, {ok}, "
            f"{esc(stats.get('successful_expectations', '?'))} of "
            f"{esc(stats.get('evaluated_expectations', '?'))} expectations met</li>"
        )
    index = folder / "index.html"
    body = (
        '<section class="card"><h2>Validation results</h2><p class="lead">One Great Expectations '
        "page per validated source (rendered by GX's Data Docs renderers).</p>"
        f'<ul>{"".join(items)}</ul><p><a href="../dq.html">Back to the data-quality report'
        "</a></p></section>"
    )
    index.write_text(page("Great Expectations Data Docs", "<h1>Data Docs</h1>", body), "utf-8")
    return index


def docs_worker() -> DocsWorker | None:
    """A DocsWorker for a run that will render Data Docs; None where GX is imported already (a
    long-lived process that rendered before), as a thread then renders at no import cost, or
    where no process can be started (the thread renders then too: the run goes on)."""
    if "great_expectations" in sys.modules:
        return None
    try:
        return DocsWorker()
    except OSError:
        return None


class DocsWorker:
    """A child process that imports GX now and renders write_data_docs when sent the results."""

    def __init__(self) -> None:
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "flows.reports.gxdocs"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

    def render(self, results: dict[str, Any], folder: Path, timeout: float = 600) -> Path | None:
        """write_data_docs(results, folder) in the child; raises RuntimeError if it fails."""
        from flows.validation import Outcome

        # What the pages show is the results; the rows' reasons stay here (a 10M-row run's
        # quarantine would cross the pipe for nothing).
        sent = {
            name: replace(r, reasons={}, _gx=None) if isinstance(r, Outcome) else r
            for name, r in results.items()
        }
        try:
            out, err = self._proc.communicate(pickle.dumps((sent, folder)), timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise RuntimeError(f"the Data Docs process took over {timeout:.0f} s") from exc
        if self._proc.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"the Data Docs process failed ({tail[0]})")
        text = out.decode().strip()
        return Path(text) if text else None

    def close(self) -> None:
        """Stop the child if it is still running (a run that ended without reports)."""
        if self._proc.returncode is None:  # render() has not collected it
            self._proc.kill()
            self._proc.communicate()


def _main() -> None:
    """The child: import GX, then render what the run sends (nothing: it ended without)."""
    # Below the run in the scheduler's eyes: the import takes cores the run leaves idle, not
    # the ones its own steps use. 1M-row cold runs, three each way: 20.9-21.0 s against
    # 21.0-22.3 s without (the read step 3.0-3.1 s against 3.9-4.3 s beside the import).
    if hasattr(os, "nice"):  # POSIX
        os.nice(10)
    for module in GX_MODULES:
        importlib.import_module(module)
    sent = sys.stdin.buffer.read()
    if not sent:
        return
    results, folder = pickle.loads(sent)  # from the run that started this process
    index = write_data_docs(results, folder)
    sys.stdout.write(str(index or ""))


if __name__ == "__main__":
    _main()

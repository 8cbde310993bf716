"""Great Expectations Data Docs for a run, rendered from each source's validation result.

GX 1.24's own renderers (ValidationResultsPageRenderer -> DefaultJinjaPageView) turn an
ExpectationSuiteValidationResult into the same static page a Data Docs site shows; we write one
page per source into reports/runs/<run_id>/gx/ with a small index. No data context, stores or
checkpoints are needed. The GX pages load GX's CSS/JS from public CDNs (GX's template); they are
readable unstyled offline. GX is imported only here, only when there is something to render.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from flows.reports.charts import esc
from flows.reports.html import page


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
    renderers: Any = importlib.import_module("great_expectations.render.renderer")
    views: Any = importlib.import_module("great_expectations.render.view")

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

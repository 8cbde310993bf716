"""Issue 21's targets (and issue 8's, for reference) read from one results file: the ratios,
each target's figure and its verdict."""

from __future__ import annotations

from typing import Any

# Issue 21's targets hold at these sizes; smaller sizes show them for the trend.
PEER_SIZES = 1_000_000
FLOOR_SIZE = 10_000_000


def num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def rows_label(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1000 and rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def _unfinished(res: dict[str, Any], needs: tuple[str, ...]) -> str | None:
    """Why a target over `needs` has no figure: a measurement that ran and did not finish, or
    one this result does not hold (recorded before it existed); None when all have medians."""
    meas = res["measurements"]
    for name in needs:
        if name in meas and meas[name].get("median_s") is None:
            return f"**not met** ({name} did not finish)"
    for name in needs:
        if name not in meas:
            return f"n/a ({name} not measured in this run)"
    return None


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def peer_ratios(res: dict[str, Any]) -> dict[str, float | None]:
    """The ratios issue 21's targets read: hkam's register path against its like-for-like peers
    and the floor (after the import floor every Python run pays)."""
    reg, imp = res.get("hkam_register_cold_s"), res.get("import_floor_s")
    return {
        "register_over_dlt_scd2": _ratio(reg, res.get("dlt_scd2_s")),
        "register_over_sql_peer": _ratio(reg, res.get("sql_peer_s")),
        "register_less_import_over_floor": _ratio(
            None if reg is None or imp is None else reg - imp, res.get("floor_s")
        ),
        "naive_over_cold": _ratio(res.get("naive_s"), res.get("hkam_cold_s")),
    }


def targets(res: dict[str, Any], smaller: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for one size: issue 21's targets, then issue 8's (reference)."""
    rows = res["rows"]
    floor, cold = res.get("floor_s"), res.get("hkam_cold_s")
    nochange, dlt = res.get("hkam_nochange_s"), res.get("dlt_s")
    imp, rss, p95 = (
        res.get("import_floor_s"),
        res.get("hkam_peak_rss_mb"),
        res.get("mart_query_p95_ms"),
    )
    ratios = peer_ratios(res)

    def verdict(ok: bool | None, needs: tuple[str, ...], note: str = "", size: int = 0) -> str:
        if ok is None:
            why = _unfinished(res, needs)
            return why if why else "n/a"
        if rows < size:  # shown for the trend, not counted
            return f"n/a (the target is at {rows_label(size)}+; here {'met' if ok else 'not met'})"
        return ("**met**" if ok else "**not met**") + note

    out = []
    reg = ("hkam register cold",)
    r = ratios["register_over_dlt_scd2"]
    out.append(
        (
            "hkam_register_cold_s ≤ dlt_scd2_s (at 1M and 10M)",
            f"{num(res.get('hkam_register_cold_s'), 2)} vs {num(res.get('dlt_scd2_s'), 2)} "
            f"(×{num(r, 2)})",
            verdict(None if r is None else r <= 1.0, (*reg, "dlt scd2"), size=PEER_SIZES),
        )
    )
    r = ratios["register_over_sql_peer"]
    out.append(
        (
            "hkam_register_cold_s ≤ 1.5 × sql_peer_s (at 1M and 10M)",
            f"{num(res.get('hkam_register_cold_s'), 2)} vs {num(res.get('sql_peer_s'), 2)} "
            f"(×{num(r, 2)})",
            verdict(None if r is None else r <= 1.5, (*reg, "sql peer"), size=PEER_SIZES),
        )
    )
    r = ratios["register_less_import_over_floor"]
    out.append(
        (
            "(hkam_register_cold_s − import_floor_s) / floor_s ≤ 3 (at 10M)",
            num(r, 2),
            verdict(
                None if r is None else r <= 3.0, (*reg, "import floor", "floor"), size=FLOOR_SIZE
            ),
        )
    )
    r = ratios["naive_over_cold"]
    want = 4.0 if rows >= FLOOR_SIZE else 1.5
    out.append(
        (
            "naive_s / hkam_cold_s ≥ 4 at 10M, ≥ 1.5 at 1M",
            num(r, 2),
            verdict(None if r is None else r >= want, ("naive", "hkam cold"), size=PEER_SIZES),
        )
    )
    out.append(
        (
            "hkam_peak_rss_mb ≤ 3000",
            num(rss, 0),
            verdict(None if rss is None else rss <= 3000, ("hkam cold",)),
        )
    )
    out.append(
        (
            "hkam_nochange_s ≤ import_floor_s + 3",
            f"{num(nochange, 2)} vs {num(None if imp is None else imp + 3, 2)}",
            verdict(
                None if nochange is None or imp is None else nochange <= imp + 3,
                ("hkam cold", "hkam no-change", "import floor"),
            ),
        )
    )
    out.append(
        (
            "mart p95 ≤ 100 ms (worst view)",
            num(p95, 1),
            verdict(None if p95 is None else p95 <= 100, ("hkam cold",)),
        )
    )
    prev = smaller[-1] if smaller else None
    cold_failed = res["measurements"]["hkam cold"].get("median_s") is None
    if prev and prev.get("hkam_cold_s") and cold:
        scale = res["rows"] / prev["rows"]
        growth = cold / prev["hkam_cold_s"]
        grew = rss / prev["hkam_peak_rss_mb"] if rss and prev.get("hkam_peak_rss_mb") else None
        # Sizes measured on two commits (often two sessions) compare machines as much as code.
        same = (res.get("code") or {}).get("commit") == (prev.get("code") or {}).get("commit")
        sizes = f"{rows_label(prev['rows'])} → {rows_label(res['rows'])}"
        out.append(
            (
                f"growth ≤ linear ({sizes}, rows ×{scale:g})",
                f"time ×{growth:.2f}, peak RSS ×{num(grew, 2)}",
                verdict(
                    growth <= scale and (grew is None or grew <= scale),
                    (),
                    "" if same else " (the two sizes ran on different commits)",
                ),
            )
        )
    elif prev and cold_failed:
        out.append(("growth ≤ linear", "—", "**not met** (hkam cold did not finish)"))
    else:
        out.append(("growth ≤ linear", "—", "n/a (needs a smaller size)"))
    # Issue 8's targets compared the whole cold run (with the 1M-point C&SD payload and the
    # feed) with register-only loads; issue 21 replaced them with the like-for-like ones above.
    replaced = "n/a (issue 8's target, replaced by issue 21's like-for-like targets)"
    out.append(("hkam_cold_s / floor_s ≤ 2.0", num(_ratio(cold, floor), 2), replaced))
    out.append(("hkam_cold_s ≤ dlt_s", f"{num(cold, 2)} vs {num(dlt, 2)}", replaced))
    return out

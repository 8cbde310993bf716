"""What the desk derives from a candidate: highlighted figures, filters from a query string."""

from __future__ import annotations

from datetime import date

from flows.desk.data import Filters, highlight


def test_figures_are_marked_where_the_extractor_quoted_them() -> None:
    sentence = "It will invest over HK$2 billion, of which HK$2 billion in 2026, and hire 300."
    assert highlight(sentence, ["over HK$2 billion", "HK$2 billion", "300"]) == [
        ("It will invest ", False),
        ("over HK$2 billion", True),
        (", of which ", False),
        ("HK$2 billion", True),
        (" in 2026, and hire ", False),
        ("300", True),
        (".", False),
    ]
    assert highlight("no figure here", ["$5 billion", ""]) == [("no figure here", False)]


def test_filters_read_from_the_query_keep_only_what_they_know() -> None:
    given = {"kind": "status", "cluster": "life_health_tech", "confidence": "0.5",
             "since": "2025-01-01", "until": "not a day", "language": "<b>"}  # fmt: skip
    parsed = Filters.parse(given)
    assert parsed == Filters(
        kind="status", cluster="life_health_tech", confidence=0.5, since=date(2025, 1, 1)
    )
    assert Filters.parse(dict(pair.split("=") for pair in parsed.query().split("&"))) == parsed
    assert Filters.parse({"cluster": "x' OR 1=1", "confidence": "7"}) == Filters()

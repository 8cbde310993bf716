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


def test_a_paired_releases_chinese_sentence_has_its_own_figures_marked() -> None:
    """The row's figures are the English text's; the Chinese sentence's are read from it."""
    from flows.desk.data import item_of

    row = {  # test values, shaped like a paired candidate row of core.announcement_candidate
        "release_id": "P1",
        "title_en": "Company A invests in Hong Kong",
        "title_zh": "甲公司投資香港",
        "paired_release_id": "P2",
        "evidence": "Company A will invest over HK$2 billion. | 甲公司將投資超過20億港元。",
        "amounts_json": '[{"text": "over HK$2 billion", "value": 2000000000, "currency": "HKD"}]',
        "jobs_json": "[]",
    }
    marked = [[t for t, m in s if m] for s in item_of(row, []).evidence]
    assert marked == [["over HK$2 billion"], ["超過20億港元"]]


def test_a_status_proposal_marks_the_company_by_its_chinese_name_too() -> None:
    from flows.desk.data import status_item

    proposal = {  # test values
        "proposal_id": "S1",
        "language": "zh",
        "company": "Company A",
        "evidence": "甲公司的廠房已投產。",
        "from_status": "announced",
        "to_status": "operating",
    }
    companies = [{"name_en": "Company A", "name_zh": "甲公司", "aliases": ["Company A Ltd"]}]
    assert [t for t, m in status_item(proposal, companies).evidence[0] if m] == ["甲公司"]
    assert not any(m for _, m in status_item(proposal).evidence[0])

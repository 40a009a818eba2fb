"""The records' own logic: corpus dates and the newest-first order of the article lists."""

from __future__ import annotations

import pytest

from retrieval.records import Source, newest_first, published_parts


def _src(name: str, published: str) -> Source:
    return Source(name, "Outlet", f"https://x.test/{name}", published)


@pytest.mark.parametrize(
    ("published", "parts"),
    [
        ("2019", (2019,)),
        ("2019-06", (2019, 6)),
        (" 2019-06-10 ", (2019, 6, 10)),
        ("", None),
        ("2019-6", None),
        ("2019-02-30", None),
        ("2019-00", None),
        ("June 2019", None),
    ],
)
def test_published_parts(published: str, parts: tuple[int, ...] | None) -> None:
    assert published_parts(published) == parts


def test_newest_first_with_partial_dates_and_undated_last() -> None:
    given = [
        _src("undated", ""),
        _src("june", "2019-06"),
        _src("may-20", "2019-05-20"),
        _src("june-11", "2019-06-11"),
        _src("year", "2019"),
        _src("june-again", "2019-06"),
        _src("next-year", "2020-01-02"),
        _src("june-1", "2019-06-01"),
    ]
    order = [s.title for s in newest_first(given)]
    # A month-only date after that month's days; ties keep the order given; undated last.
    assert order == [
        "next-year",
        "june-11",
        "june-1",
        "june",
        "june-again",
        "may-20",
        "year",
        "undated",
    ]

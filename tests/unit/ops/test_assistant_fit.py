"""The bound on an assistant's answers: whatever the data, the JSON stays under the limit and
says what was cut."""

from __future__ import annotations

import json

import pytest

from workbench.ops.assistant.calls import Answer, fit

pytestmark = pytest.mark.requirement("INT-06")


def _size(value: object) -> int:
    return len(json.dumps(value, indent=2))


def test_a_small_answer_is_left_as_it_is() -> None:
    answer = fit(Answer("two rows", [{"a": 1}, {"a": 2}]), 8000)
    assert answer == {
        "summary": "two rows",
        "data": [{"a": 1}, {"a": 2}],
        "links": [],
        "truncated": False,
        "paging": None,
    }


def test_the_longest_list_is_cut_and_the_answer_says_so() -> None:
    rows = [{"symbol": f"S{i}", "close": i * 1.5, "note": "x" * 40} for i in range(2000)]
    answer = fit(Answer("many", {"rows": rows, "total": 2000}, ["workbench://bars/S"]), 8000)
    assert _size(answer) <= 8000
    assert answer["truncated"] is True
    assert answer["data"]["total"] == 2000
    assert answer["data"]["rows"] == rows[: len(answer["data"]["rows"])]
    assert "rows: first" in answer["paging"] and "resource links" in answer["paging"]


def test_data_without_a_list_to_cut_is_cut_as_text() -> None:
    answer = fit(Answer("one long text", {"text": "y" * 50_000}), 2000)
    assert _size(answer) <= 2000
    assert answer["truncated"] is True
    assert "as text, cut" in answer["paging"]

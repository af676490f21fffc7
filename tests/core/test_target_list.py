"""The compact parsed list reads back exactly the requests of its lines, in every way it is used."""

from __future__ import annotations

import pickle

import pytest

from fetchtui.core.input.target_list import CHUNK_RUNS
from fetchtui.core.input.targets import RequestSpec, Target, parse_targets


def test_repeats_and_distinct_lines_read_back_in_order_with_their_lines_and_specs() -> None:
    targets = parse_targets("http://a/1 x3\nhttp://u:pw@a/2 -X POST -d hi\n# note\nhttp://a/1")
    assert len(targets) == 5
    assert [t.url for t in targets] == ["http://a/1"] * 3 + ["http://u:pw@a/2", "http://a/1"]
    assert [t.line for t in targets] == [1, 1, 1, 2, 4]
    assert targets[3].display == "http://u:***@a/2" and targets[3].spec == RequestSpec("POST", (), b"hi")
    assert targets[-1] == Target("http://a/1", "http://a/1", 4)
    assert targets[1:3] == [targets[0], targets[0]]
    with pytest.raises(IndexError):
        targets[5]


def test_a_list_past_one_chunk_of_urls_reads_every_url_and_survives_a_pipe() -> None:
    count = CHUNK_RUNS * 2 + 17
    targets = parse_targets("".join(f"http://127.0.0.1:9/ok/{n}?q={n}\n" for n in range(count)))
    again = pickle.loads(pickle.dumps(targets))  # as it crosses to the fetch process
    for index in (0, CHUNK_RUNS - 1, CHUNK_RUNS, CHUNK_RUNS + 1, count - 1):
        expected = f"http://127.0.0.1:9/ok/{index}?q={index}"
        assert targets[index].url == again[index].url == expected
        assert again[index].line == index + 1
    assert again == targets and len(again) == count


def test_a_million_repeats_are_one_run() -> None:
    targets = parse_targets("http://a/ x1000000")
    assert len(targets) == 1_000_000 and list(targets.url_runs()) == [("http://a/", 1_000_000)]
    assert targets[999_999] is targets[0]  # the same Target: nothing built per request

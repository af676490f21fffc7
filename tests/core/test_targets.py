"""The URL list parser: syntax, every kind of bad line, masking, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fetchtui.core.input.targets import TargetsError, mask_line, mask_url, parse_targets


def test_repeat_comments_blank_lines_and_whitespace() -> None:
    text = (
        "\ufeff# the seed's list\n\n  https://naver.com x100  \n"
        "https://google.com x100\nhttp://127.0.0.1:8080/a # trailing\n"
    )
    targets = parse_targets(text)
    assert len(targets) == 201
    assert targets[0].url == "https://naver.com" and targets[0].line == 3
    assert targets[100].url == "https://google.com" and targets[100].line == 4
    assert targets[-1].url == "http://127.0.0.1:8080/a"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("example.com/x", "missing scheme (did you mean http://example.com/x?)"),
        ("http://127.0.0.1:99999/", "bad port"),
        ("http://127.0.0.1:abc/", "bad port"),
        ("http:///path", "empty host"),
        ("file:///etc/passwd", "unsupported scheme 'file'"),
        ("ftp://example.com/", "unsupported scheme 'ftp'"),
        ("javascript:alert(1)", "unsupported scheme 'javascript'"),
        ("http://a.example x0", "repeat count must be at least 1, got 0"),
        ("http://a.example x-3", "repeat count must be at least 1, got -3"),
        ("http://a.example http://b.example", "one URL per line"),
    ],
)
def test_bad_line_names_its_line_and_what_is_wrong(line: str, message: str) -> None:
    with pytest.raises(TargetsError) as info:
        parse_targets(f"http://ok.example\n\n{line}\n")
    (error,) = info.value.errors
    assert error.line == 3
    assert message in error.message
    assert str(error).startswith("line 3: ")


def test_every_bad_line_is_reported_at_once() -> None:
    with pytest.raises(TargetsError) as info:
        parse_targets("nope.example\nhttp://fine.example\nftp://x.example\n")
    assert [e.line for e in info.value.errors] == [1, 3]


def test_huge_repeat_total_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TargetsError) as info:
        parse_targets("http://a.example x600\nhttp://b.example x600", max_total=1000)
    assert "more than 1,000 requests" in info.value.errors[0].message


@pytest.mark.parametrize(("count", "message"), [
    ("999999999", "repeat count must be at most 1,000,000 (the most requests a list may ask for), "
                  "got 999,999,999"),
    ("9" * 4300, "repeat count must be at most 1,000,000 (the most requests a list may ask for), "
                 "got a 4,300-digit number"),
    ("\u0663\u0663", "repeat count must be written with the digits 0-9, got '\u0663\u0663'"),
    ("\u00b2", "repeat count must be written with the digits 0-9, got '\u00b2'"),
])
@pytest.mark.parametrize("flags", ["", " -X GET"])
def test_a_repeat_count_is_ascii_digits_and_bounded(count: str, message: str, flags: str) -> None:
    # with or without flags on the line: the plain line and the shell-parsed one say the same
    with pytest.raises(TargetsError) as info:
        parse_targets(f"http://a.example{flags} x{count}")
    (error,) = info.value.errors
    assert error.line == 1 and error.message == message


def test_ipv6_idn_and_duplicates_are_accepted() -> None:
    targets = parse_targets("http://[::1]:8080/\nhttp://bücher.example/\nhttp://[::1]:8080/\n")
    assert [t.line for t in targets] == [1, 2, 3]


def test_credentials_are_kept_for_sending_but_masked_for_display() -> None:
    (target,) = parse_targets("http://alice:s3cret@127.0.0.1:9/x")
    assert target.url == "http://alice:s3cret@127.0.0.1:9/x"
    assert target.display == "http://alice:***@127.0.0.1:9/x"



@pytest.mark.parametrize(("url", "shown"), [
    ("http://TOKEN@h.example/", "http://***@h.example/"),  # a token alone is a credential too
    ("http://bob:@h.example/", "http://bob:***@h.example/"),
    ("http://carol:at@in@pw@127.0.0.1/", "http://carol:***@127.0.0.1/"),  # never shown in part
    ("http://h.example/?mail=a@b", "http://h.example/?mail=a@b"),
    ("http://u:p@[::1", "http://u:***@[::1"),  # not a URL urlsplit reads: masked as text
])
def test_every_credential_of_a_url_is_masked_whole(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("http://carol:at@in@pw@127.0.0.1/ x3", "http://carol:***@127.0.0.1/ x3"),
    ("http://carol:pa ss@127.0.0.1/", "http://carol:***@127.0.0.1/"),
    ("http://u:it's@h/ and http://TOKEN@h2", "http://u:***@h/ and http://***@h2"),
    ("Unsupported proxy scheme for 'ftp://u:PASS@h:1'", "Unsupported proxy scheme for 'ftp://u:***@h:1'"),
    ("http://h.example -H 'X-Mail: a@b' x0", "http://h.example -H 'X-Mail: a@b' x0"),
    ("http://h -H 'Authorization: Bearer s3cret' -H Cookie:c00kie -H 'Accept: */*'",
     "http://h -H 'Authorization: ***' -H Cookie:*** -H 'Accept: */*'"),
])
def test_a_bad_lines_credentials_are_masked_whole(text: str, shown: str) -> None:
    assert mask_line(text) == shown


def test_a_raw_at_in_the_user_info_is_refused_and_never_shown() -> None:
    with pytest.raises(TargetsError) as info:
        parse_targets("http://carol:at@in@pw@127.0.0.1/")
    (error,) = info.value.errors
    assert "percent-encode it (%40)" in error.message
    assert "in@pw" not in str(error) and "carol:***@127.0.0.1/" in str(error)
    (target,) = parse_targets("http://carol:at%40in%40pw@127.0.0.1/")  # encoded: fine
    assert target.display == "http://carol:***@127.0.0.1/"


def test_a_hundred_thousand_lines_parse() -> None:
    text = "\n".join(f"http://127.0.0.1:8000/item/{i % 500}" for i in range(100_000))
    targets = parse_targets(text)
    assert len(targets) == 100_000
    assert targets[99_999].line == 100_000


_url = st.builds(
    lambda host, port, path: f"http://{host}:{port}/{path}",
    st.sampled_from(["127.0.0.1", "localhost", "example.com", "[::1]"]),
    st.integers(1, 65535),
    st.text(alphabet="abcxyz019-_/", max_size=12),
)


@given(st.lists(st.tuples(_url, st.integers(1, 50), st.booleans()), max_size=30))
def test_valid_lists_parse_to_the_requested_count(entries: list[tuple[str, int, bool]]) -> None:
    lines = []
    for url, count, comment in entries:
        lines.append(f"{url} x{count}")
        if comment:
            lines.append("# note")
    targets = parse_targets("\n".join(lines))
    assert len(targets) == sum(count for _, count, _ in entries)
    assert [t.url for t in targets] == [url for url, count, _ in entries for _ in range(count)]


@given(st.text(max_size=200))
def test_any_text_parses_or_names_bad_lines_never_crashes(text: str) -> None:
    try:
        parse_targets(text)
    except TargetsError as exc:
        assert exc.errors and all(e.line >= 1 for e in exc.errors)

"""Parse and validate the URL list: one URL per line, `# comments`, `URL xN` repeats."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

from fetchtui.core.input.config import MAX_BODY_BYTES, MAX_LIST_BYTES
from fetchtui.core.input.target_list import TargetList
from fetchtui.core.input.textsafe import safe_text

#: A list longer than this is refused rather than silently truncated.
MAX_TOTAL = 1_000_000

# Patterns, not compiled ones: re compiles each on its first use (and keeps it), so a start-up
# that never needs one (a list of plain URLs) does not pay ~0.1-0.4 ms of compiling for it.
_REPEAT = r"^(?P<url>\S+)\s+[x*](?P<count>[+-]?[0-9]+)$"
_SCHEMES = ("http", "https")


#: Headers whose values are credentials: sent as given, shown and exported as `***`.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key")
# "key" takes X-Access-Key, Private-Key, X-Signing-Key (and a harmless Key-Id with them):
# a header kept from another host for nothing costs less than one sent to it
_SECRET_WORDS = ("token", "secret", "password", "key", "auth", "session", "credential")
#: Headers that say where a request's body ends: a client's own, never -H's.
_FRAMING = ("content-length", "transfer-encoding")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # an HTTP token (RFC 9110): a method, a header name


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """What is sent besides the URL: curl's -X, -H and -d."""

    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def shown_headers(self) -> list[str]:
        """`Name: value` lines with credentials masked, as every front end shows them."""
        return [f"{name}: {'***' if is_secret_header(name) else value}" for name, value in self.headers]


DEFAULT_SPEC = RequestSpec()


def is_secret_header(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in SECRET_HEADERS or any(word in lowered for word in _SECRET_WORDS)


@dataclass(frozen=True, slots=True)
class Target:
    """One request to send; `url` is sent, `display` (credentials masked) is shown."""

    url: str
    display: str
    line: int
    spec: RequestSpec = DEFAULT_SPEC


@dataclass(frozen=True, slots=True)
class LineError:
    """A bad line: its 1-based number, what is wrong and how to fix it."""

    line: int
    text: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}: {safe_text(mask_line(self.text), 120)}"


class TargetsError(ValueError):
    """Raised with every bad line at once, so the user fixes them in one go."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def mask_url(url: str) -> str:
    """Return `url` with its credentials replaced by `***`: a password (the user name stays
    visible: `user:***@`), or a user info with no colon, which is a token (`***@`)."""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urlsplit reads (an open IPv6 bracket): mask it as text
        return mask_text(url)
    if "@" not in parts.netloc:
        return mask_text(url)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{masked_userinfo(userinfo)}@{hostport}"))


def masked_userinfo(userinfo: str) -> str:
    """`user:***` for `user:password`; `***` for a token (a user info with no colon)."""
    user, colon, _ = userinfo.partition(":")
    return f"{user}:***" if colon else "***"


#: `scheme://` and what may be its authority in free text: up to a path, a query, a fragment,
#: a line's end, a character no URL holds raw (`"<>` and backtick), the next `://`, or a
#: flag of a list line (` -H`). Spaces and quotes stay in: a password may hold them.
_AUTHORITY_IN_TEXT = r"://((?:(?!://|\s-)[^/?#\r\n\"<>`])*)"


def _mask_authority(match: re.Match[str]) -> str:
    authority = match[1]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        return match[0]
    return f"://{masked_userinfo(userinfo)}@{hostport}"


def mask_text(text: str) -> str:
    """Any `scheme://userinfo@` in free text (a bad list line, a client's message) with its
    credentials masked as `mask_url` masks them. Everything up to the last `@` before the
    path is user info, spaces and raw `@`s included: a password is never shown in part."""
    if "@" not in text:
        return text
    return re.sub(_AUTHORITY_IN_TEXT, _mask_authority, text)


#: A list line's `-H 'Name: value'`, quoted (the value runs to the closing quote) or not.
_QUOTED_HEADER = (r"""(?<!\S)(?:-H|--header)\s+(['"])\s*(?P<name>[^:'"\s]+)\s*(?::|\s)"""
                  r"""(?P<value>(?:(?!\1).)*)""")
_BARE_HEADER = r"""(?<!\S)(?:-H|--header)\s+(?P<name>[^\s:'"]+):(?P<value>\S*)"""


def secret_header_values(line: str) -> list[tuple[int, int, str]]:
    """Where a list line's `-H` flags hold the values of headers that `is_secret_header` names:
    (start, end, name) of each value, its leading spaces left out, in order."""
    if "-H" not in line and "--header" not in line:
        return []
    spans = []
    for pattern in (_QUOTED_HEADER, _BARE_HEADER):  # a quoted one is never read as a bare one
        for match in re.finditer(pattern, line):
            if is_secret_header(match["name"]):
                value = match["value"]
                start = match.start("value") + len(value) - len(value.lstrip())
                spans.append((start, match.end("value"), match["name"]))
    return sorted(spans)


def mask_line(text: str) -> str:
    """A list line as a bad-line message shows it: its URL's credentials masked (`mask_text`),
    and the value of every header that `is_secret_header` names."""
    text = mask_text(text)
    for start, end, _ in reversed(secret_header_values(text)):
        text = f"{text[:start]}***{text[end:]}"
    # a -H the finder cannot read (-H'A: x', --header='A: x', escaped spaces, a bad line's
    # own shape): after a flag naming a secret, nothing past its colon is shown
    for match in reversed(list(re.finditer(_ANY_HEADER, text))):
        rest = match["rest"]
        name = re.search(r"[0-9A-Za-z][!#%&*+.^_`|~0-9A-Za-z-]*", rest)
        if name is None or not is_secret_header(name[0]):
            continue
        colon = rest.find(":", name.end())
        if colon >= 0 and re.fullmatch(_MASKED_WHOLE, rest[colon + 1:]):
            continue  # the finder masked it whole
        kept = rest[:colon + 1] if colon >= 0 else rest[:name.end()]
        # what follows may be more of the value (a flag-like word inside it): none of it shown
        text = f"{text[:match.start('rest')]}{kept} ***"
    return text


#: A header value the finder masked whole, then at most a closing quote and a repeat count.
_MASKED_WHOLE = r"""\s*['"]?\*\*\*['"]?(?:\s+x[0-9]+)?\s*"""
#: A -H flag of any shape and what follows it, up to the next flag.
_ANY_HEADER = r"(?:(?<!\S)-H|--header)(?P<rest>.*?)(?=\s--?[A-Za-z]|$)"


#: What no URL may hold: a lone surrogate, whitespace (ASCII or not), C0 controls and DEL.
_ODD_CHAR = r"[\udc80-\udcff\s\x00-\x1f\x7f]"


_UNSEEN = object()
_ORIGINS: dict[tuple[str, str], object] = {}


def _check_origin(url: str) -> str | None:
    """What is wrong with the scheme, host and port of `url`, or None."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in _SCHEMES:
        return f"unsupported scheme {parts.scheme!r} (only http and https)"
    if not parts.hostname:
        return "empty host"
    try:
        port = parts.port
    except ValueError:
        return "bad port (use a number from 1 to 65535)"
    if port == 0:
        return "bad port (use a number from 1 to 65535)"
    return None


def url_authority(url: str) -> str:
    """The host part of `url` as text: after `://`, up to its path, query or fragment."""
    return url.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def ambiguous_authority(authority: str) -> str | None:
    """What makes clients read the host part of a URL (a list's or a proxy's) differently, or None.

    A backslash: some read it as a slash, others as data. More than one `@`: some send the
    ones before the last as part of the password, others refuse the URL. Either way what is
    shown would not be where the request goes, or what it sends.
    """
    if "\\" in authority:
        return ("a backslash in the host part is read differently by different clients; "
                "percent-encode it (%5C) or remove it")
    if authority.count("@") > 1:
        return ("a raw '@' in the user name or password is read differently by different clients; "
                "percent-encode it (%40)")
    userinfo = authority.rpartition("@")[0]
    if userinfo and not unquote(userinfo).isascii():  # raw or percent-encoded alike
        return ("a user name or password outside ASCII is sent as Latin-1 by some clients, as "
                "UTF-8 by others, and fails on some: use ASCII (or -H 'Authorization: ...')")
    return None


def check_url(url: str) -> str | None:
    """Return what is wrong with `url`, or None when it can be fetched.

    One rule for every client: a URL whose host part clients read differently (a backslash,
    which some treat as a slash and others as data; a raw `@` in the user info) is refused,
    so that what is shown is where the request goes, with what it sends
    (`ambiguous_authority`, which a proxy's URL is held to as well).
    """
    # printable ASCII with no space holds none of them: most URLs, and no pattern to compile
    plain = url.isascii() and url.isprintable() and " " not in url
    odd = None if plain else re.search(_ODD_CHAR, url)
    if odd is not None:
        ch = odd.group()
        if "\udc80" <= ch <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
            bad = ord(ch) - 0xDC00
            return f"not UTF-8 text (byte 0x{bad:02x}); percent-encode it (%{bad:02X})"
    authority = url_authority(url)
    if "\\" in authority or "@" in authority:  # most URLs hold neither: no call for them
        ambiguous = ambiguous_authority(authority)
        if ambiguous is not None:
            return ambiguous
    if "://" not in url:
        scheme, colon, rest = url.partition(":")
        if colon and scheme.isalpha() and not rest[:1].isdigit():  # javascript:, mailto:
            return f"unsupported scheme {scheme.lower()!r} (only http and https)"
        if url[:1] == "x" and url[1:].isascii() and url[1:].isdigit():  # a count with no URL
            return f"a repeat count ({url}) follows the URL it repeats: `URL {url}`"
        return f"missing scheme (did you mean http://{url}?)"
    scheme = url.partition("://")[0]
    origin = (scheme, authority)
    problem = _ORIGINS.get(origin, _UNSEEN)
    if problem is _UNSEEN:  # a list's URLs share a few origins: each is checked once
        problem = _check_origin(url)
        if len(_ORIGINS) >= 4096:
            _ORIGINS.clear()
        _ORIGINS[origin] = problem
    if problem is not None:
        return str(problem)
    if odd is not None and odd.group().isspace():
        return "a URL cannot contain spaces (percent-encode them as %20)"
    if odd is not None:
        return "control characters in URL"
    return None


def parse_header(text: str) -> tuple[str, str]:
    """`Name: value` -> (name, value); ValueError says what is wrong.

    One rule, so that every client sends the same bytes or none: the name is an HTTP token
    (RFC 9110) and the value ASCII text (tabs allowed); the clients send anything else each
    their own way (Latin-1, UTF-8) or fail on it.
    """
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not name:
        first = text.split()[0] if text.split() else ""
        shown = f"{first} ***" if first and is_secret_header(first) else safe_text(text, 80)
        raise ValueError(f"-H takes 'Name: value', got {shown!r}")
    if not re.fullmatch(_TOKEN, name):
        raise ValueError(f"-H: {safe_text(name, 80)!r} is not a header name "
                         "(ASCII letters, digits and !#$%&'*+-.^_`|~ only)")
    if name.lower() in _FRAMING:  # libcurl sent the rest of a body as a request of its own
        raise ValueError(f"-H {name}: fetchtui frames the body itself (-d); a {name} of your own "
                         "is sent differently by every client, or smuggles a second request")
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError("-H: a header value cannot hold a line break")
    if any((ord(ch) < 32 and ch != "\t") or ord(ch) == 127 for ch in value):
        raise ValueError(f"-H {name}: a header value cannot hold control characters")
    if not value.isascii():
        raise ValueError(f"-H {name}: a header value must be ASCII text (clients send other "
                         "characters differently, or fail); percent-encode or base64 anything else")
    return name, value.strip()


def parse_method(text: str) -> str:
    """An -X method, upper-cased as requests, httpx and aiohttp send it (libcurl sent `get`)."""
    if not re.fullmatch(_TOKEN, text):
        raise ValueError(f"-X takes a method such as POST, got {safe_text(text, 80)!r}")
    if text.upper() == "CONNECT":  # a tunnel's, not a URL's: aiohttp sent it in authority form
        raise ValueError("-X CONNECT opens a proxy tunnel; fetchtui fetches URLs")
    return text.upper()


class TooLarge(ValueError):
    """Input past its cap: refused once cap + 1 bytes have been read, never more."""


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


_CHUNK = 1024 * 1024  # a capped read's step: memory grows by at most this past the cap


def read_capped(handle: BinaryIO, cap: int, what: str) -> bytes:
    """All of `handle` when it holds at most `cap` bytes; TooLarge (naming `what` and the cap)
    once it has given cap + 1, so that memory never grows past the cap (`-d @/dev/zero`)."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):  # not a file with a number (a test's BytesIO)
        size = 0
    if size > cap:  # a regular file says its size: no need to read it
        raise TooLarge(f"larger than {_mib(cap)}, the most {what} may be")
    parts: list[bytes] = []
    total = 0
    while True:
        piece = handle.read(min(_CHUNK, cap + 1 - total))
        if not piece:
            return b"".join(parts)
        parts.append(piece)
        total += len(piece)
        if total > cap:
            raise TooLarge(f"larger than {_mib(cap)}, the most {what} may be")


def read_body(text: str, read_file: Callable[[str], bytes]) -> bytes:
    """-d TEXT, or -d @FILE (the file's bytes, at most MAX_BODY_BYTES)."""
    if text.startswith("@"):
        try:
            return read_file(text[1:])
        except OSError as exc:
            raise ValueError(f"-d {text}: cannot read it ({exc.strerror or exc})") from None
        except TooLarge as exc:
            raise ValueError(f"-d {text}: {exc}") from None
    return text.encode("utf-8")


def read_body_file(path: str) -> bytes:
    """A body's file (`-d @FILE`), read with the body's cap."""
    with Path(path).expanduser().open("rb") as handle:
        return read_capped(handle, MAX_BODY_BYTES, "a body")


class _Bodies:
    """The files one list's lines read as bodies: each read once, and all of them together
    within MAX_LIST_BYTES (each within MAX_BODY_BYTES), so no list makes memory grow unbounded."""

    def __init__(self, read_file: Callable[[str], bytes]) -> None:
        self._read_file = read_file
        self._read: dict[str, bytes] = {}
        self._total = 0

    def __call__(self, path: str) -> bytes:
        body = self._read.get(path)
        if body is None:
            body = self._read_file(path)
            self._total += len(body)
            if self._total > MAX_LIST_BYTES:
                raise TooLarge(f"the list's bodies from files come to more than {_mib(MAX_LIST_BYTES)} "
                               "in all")
            self._read[path] = body
        return body


def _repeat_count(text: str) -> int:
    """The count of `xN` (the text after x or *): ASCII digits, from 1 to MAX_TOTAL."""
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"repeat count must be written with the digits 0-9, got {safe_text(text, 20)!r}")
    if len(digits) > 20:  # int() of thousands of digits is refused by Python itself
        raise ValueError(f"repeat count must be at most {MAX_TOTAL:,} (the most requests a list "
                         f"may ask for), got a {len(digits):,}-digit number")
    count = int(text)
    if count < 1:
        raise ValueError(f"repeat count must be at least 1, got {count}")
    if count > MAX_TOTAL:
        raise ValueError(f"repeat count must be at most {MAX_TOTAL:,} (the most requests a list "
                         f"may ask for), got {count:,}")
    return count


_FLAGS = {"-X": "method", "--request": "method", "-H": "header", "--header": "header",
          "-d": "data", "--data": "data"}


def _line_spec(tokens: list[str], defaults: RequestSpec,
               read_file: Callable[[str], bytes]) -> tuple[str, int, RequestSpec]:
    """URL, repeat count and request spec of a line's tokens; ValueError names the flag."""
    url, count = tokens[0], 1
    method, headers, body = defaults.method, list(defaults.headers), defaults.body
    given_method = False
    rest = iter(tokens[1:])
    for token in rest:
        if token[:1] in ("x", "*") and token[1:].lstrip("+-").isdigit():  # x٣ too: refused by name
            count = _repeat_count(token[1:])
            continue
        flag = _FLAGS.get(token)
        if flag is None:
            if token.startswith("-"):
                shown = token if not token.startswith(("-H", "--header")) else f"{token.partition(':')[0]}…"
                raise ValueError(f"unknown flag {safe_text(shown, 40)!r} (a line takes -X, -H, -d and xN; "
                                 "-H and its header are two words)")
            raise ValueError("one URL per line (write `URL x100` to repeat one)")
        value = next(rest, None)
        if value is None:
            raise ValueError(f"{token} needs a value")
        if flag == "method":
            method, given_method = parse_method(value), True
        elif flag == "header":
            header = parse_header(value)
            headers = [h for h in headers if h[0].lower() != header[0].lower()] + [header]
        else:
            body = read_body(value, read_file)
    if body is not None and not given_method and method == "GET":
        method = "POST"  # as curl does with -d
    return url, count, RequestSpec(method, tuple(headers), body)


def _lines(text: str) -> Iterator[str]:
    """The list's lines, one at a time: a million-line list is never a million strings at once."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        yield text[start:end]
        start = end + 1


#: Distinct lines whose parse is remembered: repeated lines parse once, a million distinct
#: ones do not keep a million entries.
_CACHE_LINES = 4096


def parse_targets(text: str, max_total: int = MAX_TOTAL, defaults: RequestSpec = DEFAULT_SPEC,
                  read_file: Callable[[str], bytes] = read_body_file) -> TargetList:
    """Parse the whole list; raise TargetsError listing every bad line.

    A line is `URL`, `URL xN`, or either with curl's flags after it, parsed shell-style:
    `https://api.example/items -X POST -H 'Content-Type: application/json' -d @item.json x10`.
    `defaults` is what the command line's own -X/-H/-d asked for every line.
    """
    targets = TargetList()
    errors: list[LineError] = []
    checked: dict[str, tuple[Target, int] | str] = {}  # lists repeat lines; parse each once
    bodies = _Bodies(read_file)
    total = 0
    for number, raw in enumerate(_lines(text.lstrip("\ufeff")), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if " #" in line:  # trailing comment
            line = line.split(" #", 1)[0].rstrip()
        cached = checked.get(line)
        if cached is None:
            cached = _parse_line(line, number, defaults, bodies)
            if len(checked) >= _CACHE_LINES:
                checked.clear()
            checked[line] = cached
        if isinstance(cached, str):
            errors.append(LineError(number, raw.rstrip("\r"), cached))
            continue
        target, count = cached
        total += count
        if total > max_total:
            errors.append(
                LineError(number, raw.rstrip("\r"), f"the list asks for more than {max_total:,} requests")
            )
            break
        if not errors:
            targets.add(target.url, number, target.spec, count)
    if errors:
        raise TargetsError(errors)
    return targets


def _parse_line(line: str, number: int, defaults: RequestSpec,
                read_file: Callable[[str], bytes]) -> tuple[Target, int] | str:
    """A line's target and repeat count, or what is wrong with it."""
    single = len(line.split()) == 1
    match = None if single else re.match(_REPEAT, line)
    if match or single:  # the common lines: no shell parsing needed
        url, count, spec = line, 1, defaults
        if match:
            url = match["url"]
            try:
                count = _repeat_count(match["count"])
            except ValueError as exc:
                return str(exc)
    else:
        import shlex  # only a line with options or quotes needs a shell's parsing

        try:
            tokens = shlex.split(line)
            url, count, spec = _line_spec(tokens, defaults, read_file)
        except ValueError as exc:
            return str(exc) if "quotation" not in str(exc) else "a quote is not closed"
    problem = check_url(url) or _two_credentials(url, spec)
    if problem:
        return problem
    return Target(url, mask_url(url), number, spec), count


def _two_credentials(url: str, spec: RequestSpec) -> str | None:
    """Credentials in the URL beside an Authorization header: requests and httpx send the
    URL's, libcurl the header, aiohttp refuses the request. Refused here, the same for all."""
    if "@" not in url or not any(name.lower() == "authorization" for name, _ in spec.headers):
        return None
    if "@" not in urlsplit(url).netloc:
        return None
    return "credentials in the URL and an Authorization header: give one of them"

"""No client keeps a server's cookies: what one answer set reaches no other request.

libcurl has no cookie engine unless asked, and requests.get makes a session a request; a
shared Session or Client kept a Set-Cookie from one host and sent it to another (cookies do
not tell ports apart, so 127.0.0.1:A's went to 127.0.0.1:B). A Cookie of the user's own
(-H 'Cookie: ...') is a header like any other: sent, and dropped off its origin.
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy


def refuse_cookies(jar: CookieJar) -> None:
    """Make `jar` keep nothing and send nothing, whatever a server sets."""
    jar.set_policy(DefaultCookiePolicy(allowed_domains=()))

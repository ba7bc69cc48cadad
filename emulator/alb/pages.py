"""The responses the ALB makes itself (errors, redirects, fixed responses), byte for byte.

Why this exists: the ALB answers these with ``Server: awselb/2.0`` and nginx-style HTML,
and stock nginx 1.22 cannot replace its own ``Server`` header. So the stand-in sends them
through a second, internal hop: the listener proxies to an internal server with a request
line that ends early (``GET /e503\\n HTTP/1.1``), which that server reads as HTTP/0.9 and
answers with a bare body; the body is this module's complete HTTP response, whose status
line and headers the listener passes on (``proxy_pass_header Server``). This module holds
those raw responses; ``nginx`` wires the hop.
"""

from __future__ import annotations

from http import HTTPStatus

SERVER = "awselb/2.0"

# Reason phrases as nginx (and so the ALB) writes them, where they differ from Python's.
_NGINX_REASONS = {
    302: "Found",
    405: "Method Not Allowed",
    408: "Request Time-out",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    416: "Requested Range Not Satisfiable",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}

# ALB-made errors: 400 bad request, 405 TRACE, 463 too many X-Forwarded-For addresses,
# 500 internal, 502 bad target response, 503 no registered target, 504 target timeout.
ERROR_CODES = (400, 405, 463, 500, 502, 503, 504)
REDIRECT_CODES = (301, 302)


def reason(code: int) -> str:
    if code in _NGINX_REASONS:
        return _NGINX_REASONS[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def status_line(code: int) -> str:
    phrase = reason(code)
    return f"{code} {phrase}" if phrase else str(code)


def html_page(code: int) -> str:
    """The nginx-style page the ALB sends (nginx's, without its ``<hr>`` signature)."""
    title = status_line(code)
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    )


def raw_response(code: int, content_type: str, body: str) -> str:
    """A complete HTTP/1.1 response as the internal hop returns it."""
    length = len(body.encode("utf-8"))
    return (
        f"HTTP/1.1 {status_line(code)}\r\n"
        f"Server: {SERVER}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n"
        "\r\n"
        f"{body}"
    )


def error_response(code: int) -> str:
    return raw_response(code, "text/html", html_page(code))


def fixed_response(code: int, content_type: str | None, body: str | None) -> str:
    """A fixed-response action's answer; the ALB labels the body UTF-8."""
    ctype = f"{content_type or 'text/plain'}; charset=utf-8"
    return raw_response(code, ctype, body or "")

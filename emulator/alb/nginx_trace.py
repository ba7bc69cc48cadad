"""X-Amzn-Trace-Id in nginx: ``Root=1-<8 hex epoch seconds>-<24 hex random>``, lower case,
as ``headers.new_trace_id`` and ``headers.trace_header`` make it.

Why a module of its own: stock nginx has neither arithmetic nor lower-casing, so the id is
cut out of what it does have; and every request needs a new one, which makes it the
costliest header the stand-in writes (``make bench``'s listener section compares the
stand-in with a plain proxy hop). ``$request_id`` alone is OpenSSL's ``RAND_bytes`` (about
a microsecond here, with a ``getpid()`` call each time), nginx's only source of randomness.

- ``$uid_set`` of the userid module in ``v1`` mode is ``<cookie name>=`` and 32 upper-case
  hex digits, the second 8 of them the current time (the only hex clock stock nginx has);
  ``$request_id`` is 32 random lower-case hex digits. userid is switched on at server
  level, read there, and off in every location, so no cookie is ever sent.
- One regex, run once by a server-level ``if``, cuts the 8 time digits and 24 of the random
  ones. It lower-cases the time digit by digit: the cookie's name ends with ``abcdef``, at
  a known offset, and a letter ``A``-``F`` is replaced by the letter a fixed-length
  lookbehind captures in that name (a branch-reset group gives every branch the same
  number). An ``if`` rather than a ``map``: a map lower-cases and hashes its whole source
  string before it tries a regex, which is wasted work here.
"""

from __future__ import annotations

from emulator.alb import headers as H
from emulator.alb.nginx_headers import map_block
from emulator.alb.nginx_text import Conf, Value, quote, regex_key, v

COOKIE = "ecsdev_alb_clock_abcdef"  # ends with the lower-case hex letters the regex copies
_LETTERS = "ABCDEF"


def trace_regex(cookie: str = COOKIE) -> str:
    """The regex over ``${uid_set}${request_id}``: $1-$8 the time's digits in lower case,
    $9 the 24 random digits."""
    table = cookie.index(_LETTERS.lower())
    start = len(cookie) + 1 + 8  # the name, "=", the userid service field: then the time
    digits = []
    for k in range(8):
        at = start + k  # where this digit is: a letter's lower case is `at - table - i` back
        letters = [f"{c}(?<=(.).{{{at - table - i}}})" for i, c in enumerate(_LETTERS)]
        digits.append("(?|([0-9a-f])|" + "|".join(letters) + ")")
    return f"(?s)^.{{{start}}}" + "".join(digits) + ".{24}(.{24})"


def server_lines(conf: Conf) -> None:
    """In a listener's server block: userid on, and ``$alb_trace_new`` (``1-<time>-<hex>``)
    set before anything else reads it."""
    conf("userid", "v1")
    conf("userid_name", COOKIE)
    conf.comment("the new trace id, 1-<clock>-<24 of $request_id>: the clock's upper-case hex")
    conf.comment("lower-cased digit by digit, a lookbehind copying the letter from the cookie's")
    conf.comment("name (emulator/alb/nginx_trace.py); an if, not a map: no hashed copy")
    conf("set", "$alb_trace_src", quote("${uid_set}${request_id}"))
    conf.open("if", "($alb_trace_src", "~", quote(trace_regex()), ")")
    conf("set", "$alb_trace_new", quote("1-$1$2$3$4$5$6$7$8-$9"))
    conf.close()


def trace_map(conf: Conf) -> None:
    """``$alb_trace``: the X-Amzn-Trace-Id a target receives (``headers.trace_header``)."""
    new = v("alb_trace_new")
    map_block(
        conf,
        "$http_x_amzn_trace_id",
        "alb_trace",
        [
            ('""', Value("Root=", new).render()),
            (regex_key(H.TRACE_SELF, True), Value(v("1"), new, v("2")).render()),
            (
                regex_key(H.TRACE_ROOT, True),
                Value("Self=", new, ";", v("http_x_amzn_trace_id")).render(),
            ),
            ("default", Value("Root=", new, ";", v("http_x_amzn_trace_id")).render()),
        ],
    )

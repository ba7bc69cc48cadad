"""How layout values are written into nginx.conf, checked by reading them back as nginx's
tokenizer does: backslashes before line breaks, bodies longer than nginx's 4 KiB token limit,
regex syntax that only Python reads, and http-header conditions on an absent header."""

from __future__ import annotations

import re

import pytest

from emulator.alb import UnsafeValueError
from emulator.alb import rules as R
from emulator.alb.nginx_text import Conf, long_tokens, quote, set_long, user_regex
from emulator.model.layout import Condition


def nginx_reads(token: str) -> str:
    """A double-quoted token as ngx_conf_read_token gives it back."""
    assert token[0] == token[-1] == '"'
    out, i, body = [], 0, token[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "\"'\\":
                out.append(nxt)
                i += 2
                continue
            if nxt in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[nxt])
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "text",
    ["a\\\nb", "a\\\tb", "a\\\rb", "\\", "\\\\", "\\n", "\\t", 'a\\"b', "C:\\data\\new", "\n\t"],
)
def test_quote_reads_back_exactly(text: str) -> None:
    assert nginx_reads(quote(text)) == text


def test_a_long_body_is_split_over_variables_under_the_token_limit() -> None:
    conf = Conf()
    body = "$" * 1024 + "é" * 1000 + '"\\' * 300
    value = set_long(conf, "alb_body_f0", body)
    conf("return", "200", value.render())
    text = conf.text()
    assert long_tokens(text) == []
    assert len([x for x in conf.lines if x.startswith("set ")]) >= 4
    # the parts, read back and with ${alb_dollar} as "$", are the body
    parts = re.findall(r'^set \$alb_body_f0_\d+ (".*");$', text, re.M)
    assert "".join(nginx_reads(p).replace("${alb_dollar}", "$") for p in parts) == body


def test_long_tokens_finds_what_nginx_refuses() -> None:
    assert long_tokens('return 200 "' + "a" * 5000 + '";') != []
    assert long_tokens('return 200 "' + "a" * 3000 + '";') == []


@pytest.mark.parametrize(
    ("regex", "pcre"),
    [
        ("^/x{,3}$", "^/x{0,3}$"),  # PCRE2 reads {,3} literally
        ("^/x{,}$", "^/x{0,}$"),
        (r"^/a\Z", r"^/a\z"),  # Python's \Z is the very end
        ("[{,3}]", "[{,3}]"),  # in a class: literal for both
        ("(?i)^/x", "(?i)^/x"),
    ],
)
def test_user_regex_written_as_pcre_reads_it_like_python(regex: str, pcre: str) -> None:
    assert user_regex(regex, "t") == pcre


@pytest.mark.parametrize(
    "regex", [r"\u0041", r"\U00000041", r"\N{DIGIT ONE}", "(?a)x", "(?x)x", "(?u)x", "(?-x:x)"]
)
def test_python_only_regex_syntax_is_refused(regex: str) -> None:
    with pytest.raises(UnsafeValueError):
        user_regex(regex, "t")


def test_http_header_star_does_not_match_an_absent_header() -> None:
    cond = Condition("http-header", ("*",), http_header_name="X-Env")
    assert not R.condition_matches(cond, R.Request.get("/"))
    assert not R.condition_matches(cond, R.Request.get("/", headers=[("X-Env", "")]))
    assert R.condition_matches(cond, R.Request.get("/", headers=[("X-Env", "v")]))

"""A corpus of hostile ALB layouts, made by placing attacker-chosen text everywhere a layout
value reaches the nginx configuration (bodies, conditions, regexes, transforms, redirects,
header names, CDN domains). Each one must either validate, and then compile to a
configuration ``nginx -t`` accepts (tests/docker/test_nginx_corpus.py), or be refused with
located problems (tests/unit/test_alb_corpus.py): never an internal error."""

from __future__ import annotations

import json
from collections.abc import Iterator

HEAD = """version: 1
name: hostile
vpc: {cidr: 10.9.0.0/16, subnets: [{name: pub, cidr: 10.9.0.0/24, public: true}]}
targetGroups:
  - {name: web, protocol: HTTP, port: 8080, targetType: ip}
loadBalancers:
  - name: edge
    subnets: [pub]
    listeners:
      - port: 80
        protocol: HTTP
        defaultActions:
          - {type: fixed-response, statusCode: "404", contentType: text/plain, messageBody: BODY}
        rules:
          - priority: 10
            conditions: [CONDITION]
            TRANSFORMSactions: [ACTION]
"""
FORWARD = "{type: forward, targetGroup: web}"

TEXTS = [
    'x";\n} server { listen 1; } # ${hostile_var} $hostile_var \\" \\\\ \'{',
    "$" * 1024,
    "".join(chr(c) for c in range(1, 128)) * 8,
    "\\\n\\\t\\",
    "é€😀" * 100,
    "a\x00b",
    "{" * 300 + "}" * 300,
    "$1 $2 ${1} $uri $host",
    "%00%0d%0a",
]
REGEXES = [
    r"^/\u0041",
    r"^/\N{LATIN SMALL LETTER A}",
    "(?a)^/x",
    "(?x)^/x # }",
    "(?i)^/x",
    "^/x{,3}$",
    "^/x{,}$",
    r"^/a\Z",
    "^/(?P<alb_up_uri>x)",
    "^/[\"';{}$]",
    "^/" + "a" * 125,
    "(a|b" + ")",
    r"^/\d+\.json$",
]
HEADER_NAMES = ["X-Env", "X_Under", "X-" + "a" * 38, "Host", "Cookie"]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\x7f")  # JSON is YAML


def layout(
    body: str = "no route",
    condition: str = '{field: path-pattern, values: ["/a/*"]}',
    action: str = FORWARD,
    transforms: str = "",
    extra: str = "",
) -> str:
    text = HEAD.replace("BODY", _q(body)).replace("CONDITION", condition)
    text = text.replace("ACTION", action)
    text = text.replace(
        "TRANSFORMS", f"transforms: [{transforms}]\n            " if transforms else ""
    )
    return text + extra


def corpus() -> Iterator[tuple[str, str]]:
    """(id, layout text) pairs."""
    for n, t in enumerate(TEXTS):
        yield f"body-{n}", layout(body=t[:1024])
        yield (
            f"path-{n}",
            layout(condition=f"{{field: path-pattern, values: [{_q('/' + t[:100])}]}}"),
        )
        yield (
            f"host-{n}",
            layout(condition=f"{{field: host-header, values: [{_q(t[:60] + '.com')}]}}"),
        )
        yield (
            f"header-{n}",
            layout(
                condition=f"{{field: http-header, httpHeaderName: X-Evil, values: [{_q(t[:100])}]}}"
            ),
        )
        yield (
            f"query-{n}",
            layout(
                condition=f"{{field: query-string, values: [{{key: {_q(t[:50])}, value: {_q(t[:50])}}}]}}"
            ),
        )
        yield (
            f"redirect-{n}",
            layout(
                action="{type: redirect, redirectConfig: "
                f"{{host: {_q(t[:50])}, path: {_q('/' + t[:50] + '#{path}')}, "
                f"query: {_q(t[:50])}, statusCode: HTTP_302}}}}"
            ),
        )
        yield (
            f"fixed-{n}",
            layout(
                action="{type: fixed-response, statusCode: '200', contentType: text/plain, "
                f"messageBody: {_q(t[:1024])}}}"
            ),
        )
        yield (
            f"rewrite-{n}",
            layout(
                transforms="{type: url-rewrite, urlRewriteConfig: {rewrites: "
                f"[{{regex: '^/a/(.*)', replace: {_q('/' + t[:50] + '$1')}}}]}}}}"
            ),
        )
        yield (
            f"hostrewrite-{n}",
            layout(
                transforms="{type: host-header-rewrite, hostHeaderRewriteConfig: {rewrites: "
                f"[{{regex: '^(.*)$', replace: {_q(t[:50] + '$1')}}}]}}}}"
            ),
        )
        yield (
            f"cdn-{n}",
            layout(
                extra=f"cdn:\n  - {{domainName: {_q(t[:60])}, origin: edge, publish: '127.0.0.1:8443'}}\n"
            ),
        )
    for n, r in enumerate(REGEXES):
        for field in ("path-pattern", "host-header"):
            yield (
                f"regex-{field}-{n}",
                layout(condition=f"{{field: {field}, regexValues: [{_q(r)}]}}"),
            )
        yield (
            f"regex-header-{n}",
            layout(
                condition=f"{{field: http-header, httpHeaderName: X-R, regexValues: [{_q(r)}]}}"
            ),
        )
        yield (
            f"regex-rewrite-{n}",
            layout(
                transforms="{type: url-rewrite, urlRewriteConfig: {rewrites: "
                f"[{{regex: {_q(r)}, replace: '/b'}}]}}}}"
            ),
        )
    yield (
        "rewrite-space",
        layout(
            transforms="{type: url-rewrite, urlRewriteConfig: {rewrites: "
            "[{regex: '^/a/(.*)', replace: '/b c/$1'}]}}"
        ),
    )
    for n, name in enumerate(HEADER_NAMES):
        yield (
            f"header-name-{n}",
            layout(condition=f"{{field: http-header, httpHeaderName: {_q(name)}, values: ['*']}}"),
        )

"""The CloudFront stand-in's part of the nginx compiler: what a distribution in front of the
ALB does to a request on its way to the listener (X-Forwarded-For with ``,``, Via,
X-Amz-Cf-Id, CloudFront-Forwarded-Proto and the viewer headers) and to the response.

Why a module of its own: a layout with ``cdns`` gets a second hop in the same nginx, with
headers of its own, mirrored from ``headers.cloudfront_request_headers``; the listener's own
headers stay in ``nginx_headers``.
"""

from __future__ import annotations

from collections.abc import Sequence

from emulator.alb import AlbError
from emulator.alb import headers as H
from emulator.alb.nginx_headers import map_block, upgrade_headers
from emulator.alb.nginx_text import Conf, Value, quote, regex_key, v
from emulator.model.layout import Cdn


def viewer_protocol(cdn: Cdn) -> str:
    proto = cdn.viewer_protocol.lower()
    if proto not in ("http", "https"):
        raise AlbError(
            f"cdn {cdn.domain_name}: viewerProtocol {cdn.viewer_protocol!r} is not http or https"
        )
    return proto


def cdn_maps(conf: Conf, cdns: Sequence[Cdn]) -> None:
    if not cdns:
        return
    conf.comment("CloudFront stand-in: X-Forwarded-For with ',', X-Amz-Cf-Id, Via")
    xff = Value(v("http_x_forwarded_for"), ",", v("remote_addr"))
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_cf_xff",
        [('""', "$remote_addr"), ("default", xff.render())],
    )
    map_block(
        conf,
        "$request_id",
        "alb_cf_id",
        [(regex_key("^(.{21})"), Value(v("request_id"), v("1"), "A==").render())],
    )
    map_block(
        conf,
        "$server_protocol",
        "alb_viewer_httpver",
        [(regex_key("^HTTP/([0-9.]+)$"), "$1"), ("default", "1.1")],
    )
    for i, cdn in enumerate(cdns):
        ours = Value(
            v("alb_viewer_httpver"), f" {H.via_label(cdn.domain_name)}.cloudfront.net (CloudFront)"
        )
        map_block(
            conf,
            "$http_via",
            f"alb_cf_via{i}",
            [('""', ours.render()), ("default", (Value(v("http_via"), ", ") + ours).render())],
        )


def cdn_location(conf: Conf, index: int, cdn: Cdn, upstream: str, origin_host: str) -> None:
    """What CloudFront does to a request on its way to the ALB, and to the response."""
    label = H.via_label(cdn.domain_name)
    conf.open("location", "/")
    conf("proxy_pass", f"http://{upstream}")
    upgrade_headers(conf)
    conf("proxy_set_header", "Host", quote(origin_host))
    conf("proxy_set_header", "X-Forwarded-For", "$alb_cf_xff")
    conf("proxy_set_header", "X-Forwarded-Proto", '""')
    conf("proxy_set_header", "X-Real-IP", '""')
    conf("proxy_set_header", "Via", f"$alb_cf_via{index}")
    conf("proxy_set_header", "X-Amz-Cf-Id", "$alb_cf_id")
    conf("proxy_set_header", "CloudFront-Forwarded-Proto", viewer_protocol(cdn))
    for name, value in H.CLOUDFRONT_VIEWER:
        conf("proxy_set_header", name, value)
    conf("proxy_pass_header", "Server")
    conf("proxy_redirect", "off")
    conf("proxy_next_upstream", "off")
    conf("add_header", "Via", quote(f"1.1 {label}.cloudfront.net (CloudFront)"), "always")
    conf("add_header", "X-Cache", quote("Miss from cloudfront"), "always")
    conf("add_header", "X-Amz-Cf-Id", "$alb_cf_id", "always")
    conf.close()

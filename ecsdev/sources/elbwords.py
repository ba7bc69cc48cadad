"""ELBv2 rule conditions and actions, and security-group permissions, in words.

"path matches /api/* and host is api.example.com -> forward to api-tg" reads faster than
the JSON, and it is how the ALB itself describes rules in the console. Pure functions over
the API's shapes, shared by every source that has ELBv2-shaped data (AWS, LocalStack, and
the emulator's ALB stand-in, which keeps AWS's rule shapes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsdev.sources.netviews import SgRuleView

Raw = Mapping[str, Any]


def target_group_name(arn: str) -> str:
    """``arn:…:targetgroup/web/abc123`` -> ``web``."""
    parts = arn.split(":")[-1].split("/")
    return parts[1] if len(parts) > 1 else arn


def _either(values: Sequence[str]) -> str:
    return " or ".join(values) if values else "(nothing)"


def condition_words(c: Raw) -> str:
    field = c.get("Field", "")
    match field:
        case "path-pattern":
            values = (c.get("PathPatternConfig") or {}).get("Values") or c.get("Values") or []
            return f"path matches {_either(values)}"
        case "host-header":
            values = (c.get("HostHeaderConfig") or {}).get("Values") or c.get("Values") or []
            return f"host matches {_either(values)}"
        case "http-header":
            cfg = c.get("HttpHeaderConfig") or {}
            return f"header {cfg.get('HttpHeaderName', '?')} matches {_either(cfg.get('Values') or [])}"
        case "http-request-method":
            values = (c.get("HttpRequestMethodConfig") or {}).get("Values") or c.get("Values") or []
            return f"method is {_either(values)}"
        case "query-string":
            pairs = (c.get("QueryStringConfig") or {}).get("Values") or []
            words = [
                f"{p['Key']}={p.get('Value', '')}" if p.get("Key") else f"any={p.get('Value', '')}"
                for p in pairs
            ]
            return f"query has {_either(words)}"
        case "source-ip":
            values = (c.get("SourceIpConfig") or {}).get("Values") or c.get("Values") or []
            return f"source IP in {_either(values)}"
    return f"{field} {c.get('Values') or ''}".strip()


def action_words(a: Raw) -> str:
    kind = a.get("Type", "")
    match kind:
        case "forward":
            groups = (a.get("ForwardConfig") or {}).get("TargetGroups") or []
            if len(groups) > 1:
                parts = [
                    f"{target_group_name(g['TargetGroupArn'])} (weight {g.get('Weight', 1)})"
                    for g in groups
                ]
                return "forward to " + ", ".join(parts)
            arn = a.get("TargetGroupArn") or (groups[0]["TargetGroupArn"] if groups else "")
            return f"forward to {target_group_name(arn)}"
        case "redirect":
            r = a.get("RedirectConfig") or {}
            code = str(r.get("StatusCode", "HTTP_301")).replace("HTTP_", "")
            proto = str(r.get("Protocol", "#{protocol}"))
            proto = proto if proto.startswith("#") else proto.lower()
            url = f"{proto}://{r.get('Host', '#{host}')}:{r.get('Port', '#{port}')}{r.get('Path', '/#{path}')}"
            query = r.get("Query", "#{query}")
            if query:
                url += f"?{query}"
            return f"redirect {code} to {url}"
        case "fixed-response":
            f = a.get("FixedResponseConfig") or {}
            body = f.get("MessageBody")
            text = f" {body!r}" if body else ""
            return f"respond {f.get('StatusCode', '?')} {f.get('ContentType', 'text/plain')}{text}"
        case "authenticate-oidc":
            return f"authenticate with OIDC ({(a.get('AuthenticateOidcConfig') or {}).get('Issuer', '?')})"
        case "authenticate-cognito":
            pool = (a.get("AuthenticateCognitoConfig") or {}).get("UserPoolArn", "?")
            return f"authenticate with Cognito ({pool.rsplit('/', 1)[-1]})"
    return str(kind)


def actions_words(actions: Sequence[Raw]) -> tuple[str, ...]:
    return tuple(action_words(a) for a in sorted(actions, key=lambda a: a.get("Order", 0)))


def target_group_arns(actions: Sequence[Raw]) -> tuple[str, ...]:
    out: list[str] = []
    for a in actions:
        if a.get("Type") != "forward":
            continue
        if a.get("TargetGroupArn"):
            out.append(a["TargetGroupArn"])
        for g in (a.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if g.get("TargetGroupArn") and g["TargetGroupArn"] not in out:
                out.append(g["TargetGroupArn"])
    return tuple(dict.fromkeys(out))


def permission_view(p: Raw, direction: str) -> SgRuleView:
    """One EC2 ``IpPermission`` as a rule in words."""
    proto = str(p.get("IpProtocol", "-1"))
    protocol = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(proto, proto)
    lo, hi = p.get("FromPort"), p.get("ToPort")
    if protocol == "all" or lo in (None, -1) or (lo == 0 and hi == 65535):
        ports = "all"
    else:
        ports = str(lo) if lo == hi else f"{lo}-{hi}"
    peers: list[str] = []
    descriptions: list[str] = []
    for r in p.get("IpRanges") or []:
        peers.append(r.get("CidrIp", ""))
        descriptions.append(r.get("Description", ""))
    for r in p.get("Ipv6Ranges") or []:
        peers.append(r.get("CidrIpv6", ""))
        descriptions.append(r.get("Description", ""))
    for r in p.get("PrefixListIds") or []:
        peers.append(r.get("PrefixListId", ""))
        descriptions.append(r.get("Description", ""))
    for r in p.get("UserIdGroupPairs") or []:
        peers.append(r.get("GroupId", "") or r.get("GroupName", ""))
        descriptions.append(r.get("Description", ""))
    return SgRuleView(
        direction=direction,
        protocol=protocol,
        ports=ports,
        peers=tuple(peers),
        description="; ".join(d for d in descriptions if d),
    )

"""Contract checks: every exchange between a connector and a sandbox, against the official API specs.

One place for the whole suite (an autouse fixture in conftest registers `ContractChecker` as a
sandbox observer). For each request our connectors send (User-Agent `mktcrm/…`):
- the method and path exist in the marketplace's spec files, and the operation is not deprecated;
- every query parameter is declared (plus Mirakl's documented paging/locale parameters), the required
  query and header parameters are present;
- the marketplace's auth header is there, in the right form;
- a 2xx JSON answer validates against the spec's response schema for that status.

Each connector names its spec files, the paths outside them, its extra query parameters and its auth
check (`Connector.spec_files`, `outside_spec`, `spec_extra_query`, `auth_problem`). The specs are read
from ../shared/specs (never copied into the repo). We check them with a small
matcher plus `jsonschema` rather than openapi-core because Amazon's models are Swagger 2.0, which
openapi-core does not read; one mechanism then covers all four marketplaces the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from mktcrm import connectors

SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs"
METHODS = ("get", "put", "post", "delete", "patch")
AUTH_HEADERS = ("authorization", "content-type", "accept", "x-amz-access-token")  # checked by each connector


@dataclass
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literal_segments: int
    params: list[dict[str, Any]]
    deprecated: bool
    description: str
    spec_file: Path
    pointer: str  # JSON pointer to the operation inside its spec
    version: str
    responses: dict[str, Any] = field(default_factory=dict)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _deref(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        node: Any = spec
        for part in item["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        item = node
    return item


def _prefixes(spec: dict[str, Any], path_item: dict[str, Any], op: dict[str, Any]) -> list[str]:
    """Path prefixes from servers (OAS3) or basePath (Swagger 2)."""
    if "swagger" in spec:
        base = spec.get("basePath") or ""
        return [base.rstrip("/")]
    servers = op.get("servers") or path_item.get("servers") or spec.get("servers") or [{"url": ""}]
    out = []
    for server in servers:
        url = server["url"]
        for name, var in (server.get("variables") or {}).items():
            url = url.replace("{" + name + "}", str(var.get("default", "")))
        out.append(urlsplit(url).path.rstrip("/"))
    return out


def spec_files(marketplace: str) -> list[Path]:
    """The spec files the marketplace's connector names (globs under shared/specs)."""
    return [path for pattern in connectors.get(marketplace).spec_files for path in sorted(SPECS.glob(pattern))]


@cache
def operations(marketplace: str) -> list[Operation]:
    ops: list[Operation] = []
    for spec_file in spec_files(marketplace):
        spec = load_spec(spec_file)
        version = str(spec.get("swagger") or spec.get("openapi"))
        for path, item in spec["paths"].items():
            shared = [_deref(spec, p) for p in item.get("parameters", [])]
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                own = [_deref(spec, p) for p in op.get("parameters", [])]
                names = {(p["name"], p["in"]) for p in own}
                params = own + [p for p in shared if (p["name"], p["in"]) not in names]
                for prefix in _prefixes(spec, item, op):
                    template = prefix + path
                    regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
                    ops.append(
                        Operation(
                            method=method.upper(),
                            template=template,
                            pattern=re.compile(regex),
                            literal_segments=sum(1 for s in template.split("/") if s and "{" not in s),
                            params=params,
                            deprecated=bool(op.get("deprecated")),
                            description=str(op.get("description", "")),
                            spec_file=spec_file,
                            pointer=f"/paths/{_escape(path)}/{method}",
                            version=version,
                            responses=op.get("responses", {}),
                        )
                    )
    return ops


@cache
def load_spec(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    _nullable_to_type(spec, str(spec.get("openapi", "")).startswith("3.0"))
    return spec


def _nullable_to_type(node: Any, openapi_30: bool) -> None:
    """OpenAPI 3.0 `nullable: true` is JSON Schema `type: [T, "null"]`.

    A field whose description says it is null in some case ("Null when the shop has replied", Mirakl
    M11 `shop_reply_needed_since`) is nullable too: the spec's words, not its schema, are what servers do.
    """
    if isinstance(node, dict):
        says_null = "Null when" in str(node.get("description", ""))
        nullable = openapi_30 and node.get("nullable") is True
        if (nullable or says_null) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _nullable_to_type(value, openapi_30)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_type(value, openapi_30)


@cache
def _validator(spec_file: Path, pointer: str) -> Any:
    spec = load_spec(spec_file)
    uri = f"urn:mktcrm-spec:{spec_file.parent.name}/{spec_file.name}"
    is_31 = str(spec.get("openapi", "")).startswith("3.1")
    resource = Resource.from_contents(spec, default_specification=DRAFT202012 if is_31 else DRAFT4)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    cls = Draft202012Validator if is_31 else Draft4Validator
    return cls({"$ref": f"{uri}#{pointer}"}, registry=registry)


def match(marketplace: str, method: str, path: str) -> Operation | None:
    found = [op for op in operations(marketplace) if op.method == method and op.pattern.match(path)]
    return max(found, key=lambda op: op.literal_segments) if found else None


def _allowed_extras(marketplace: str, op: Operation) -> set[str]:
    """Query parameters the operation's description allows beyond its declared ones (Mirakl's paging)."""
    extras = connectors.get(marketplace).spec_extra_query
    return {name for phrase, names in extras.items() if phrase in op.description for name in names}


def check(marketplace: str, request: httpx.Request, path: str, response: httpx.Response | None) -> list[str]:
    """Problems with one exchange; `path` is the request path as the real API would see it."""
    connector = connectors.get(marketplace)
    if any(re.search(p, path) for p in connector.outside_spec):
        return []
    where = f"{marketplace} {request.method} {path}"
    auth_problem = connector.auth_problem(request)
    if not connector.spec_files:  # a plug-in with no published spec: only its own auth rule applies
        return [f"{where}: {auth_problem}"] if auth_problem else []
    op = match(marketplace, request.method, path)
    if op is None:
        return [f"{where}: no such operation in the spec"]
    problems = []
    if op.deprecated:
        problems.append(f"{where}: {op.template} is deprecated in the spec")
    declared = {p["name"] for p in op.params if p["in"] == "query"} | _allowed_extras(marketplace, op)
    sent = set(request.url.params.keys())
    for name in sorted(sent - declared):
        problems.append(f"{where}: query parameter {name!r} is not in the spec")
    for p in op.params:
        if p.get("required") and p["in"] == "query" and p["name"] not in sent:
            problems.append(f"{where}: required query parameter {p['name']!r} missing")
        header = p["name"].lower()
        if p.get("required") and p["in"] == "header" and header not in request.headers and header not in AUTH_HEADERS:
            problems.append(f"{where}: required header {p['name']!r} missing")
    if auth_problem:
        problems.append(f"{where}: {auth_problem}")
    if response is not None and 200 <= response.status_code < 300 and response.content:
        problems.extend(_check_body(where, op, response))
    return problems


def _check_body(where: str, op: Operation, response: httpx.Response) -> list[str]:
    status = str(response.status_code)
    spec_response = op.responses.get(status) or op.responses.get("default")
    if not spec_response:
        return [f"{where}: HTTP {status} is not a documented answer"]
    if "json" not in response.headers.get("content-type", ""):
        return []
    base = f"{op.pointer}/responses/{_escape(status if status in op.responses else 'default')}"
    if op.version.startswith("2"):
        if "schema" not in spec_response:
            return []
        pointer = f"{base}/schema"
    else:
        content = spec_response.get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is None or "schema" not in content[media]:
            return []
        pointer = f"{base}/content/{_escape(media)}/schema"
    key = (op.spec_file, pointer, hashlib.blake2b(response.content, digest_size=16).digest())
    if key not in _BODY_ERRORS:
        _BODY_ERRORS[key] = _body_errors(op.spec_file, pointer, response)
    return [f"{where}: answer does not match the spec at {at}: {message}" for at, message in _BODY_ERRORS[key]]


# Validation is a pure function of (schema, body), and the seeded sandboxes send the same bodies test after test:
# each distinct body is validated once per process (about half the suite's time went to re-validating them).
_BODY_ERRORS: dict[tuple[Path, str, bytes], list[tuple[list[Any], str]]] = {}


def _body_errors(spec_file: Path, pointer: str, response: httpx.Response) -> list[tuple[list[Any], str]]:
    try:
        body = response.json()
    except ValueError:
        return []  # malformed on purpose (fault injection): the client's own handling is tested elsewhere
    errors = sorted(_validator(spec_file, pointer).iter_errors(body), key=lambda e: list(e.absolute_path))
    return [(list(e.absolute_path), e.message[:200]) for e in errors[:3]]


class ContractChecker:
    """A sandbox observer collecting contract problems for the running test."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def __call__(self, sandbox: Any, request: httpx.Request, response: httpx.Response) -> None:
        if not request.headers.get("User-Agent", "").startswith("mktcrm/"):
            return  # tests poking the sandbox directly, on purpose
        self.checked += 1
        path = sandbox.strip_prefix(request.url.path)
        self.problems.extend(check(sandbox.marketplace, request, path, response))

"""The routes of API Gateway resources, as a person reads them: ``POST /orders/{id}``.

A REST API method names its path only through a chain of ``AWS::ApiGateway::Resource`` parents
(``PathPart`` and ``ParentId`` up to the API's root); an HTTP or WebSocket API integration is
named by the routes whose ``Target`` is ``integrations/<integration>``. Both are rebuilt here
for messages; a part only known at deploy time shows as ``<?>``.
"""

from __future__ import annotations

from typing import Any

from iacguard.model.intrinsics import whole_reference
from iacguard.model.template import Resource, Template

REST_RESOURCE = "AWS::ApiGateway::Resource"
V2_ROUTE = "AWS::ApiGatewayV2::Route"
_UNKNOWN_PART = "<?>"
_MAX_DEPTH = 30


def rest_method_route(template: Template, method: Resource) -> str:
    """``GET /orders/<?>`` for an ``AWS::ApiGateway::Method``."""
    http_method = method.properties.get("HttpMethod")
    verb = http_method.upper() if isinstance(http_method, str) else _UNKNOWN_PART
    return f"{verb} {rest_resource_path(template, method.properties.get('ResourceId'))}"


def rest_resource_path(template: Template, resource_id: Any) -> str:
    """The path a ``ResourceId`` value stands for: ``/`` for the API's root resource."""
    parts: list[str] = []
    current = resource_id
    for _ in range(_MAX_DEPTH):
        reference = whole_reference(current)
        if reference is None or reference.kind == "GetAtt":
            break  # !GetAtt Api.RootResourceId, or a value from elsewhere
        resource = template.resources.get(reference.target)
        if resource is None or resource.type != REST_RESOURCE:
            parts.append(_UNKNOWN_PART)
            break
        part = resource.properties.get("PathPart")
        parts.append(part if isinstance(part, str) else _UNKNOWN_PART)
        current = resource.properties.get("ParentId")
    return "/" + "/".join(reversed(parts))


def integration_routes(template: Template, integration: str) -> list[str]:
    """Route keys (``POST /checkout``, ``$connect``) of the routes that target an integration."""
    routes: list[str] = []
    for reference in template.refs.referrers(integration):
        route = template.resources.get(reference.source)
        if route is None or route.type != V2_ROUTE:
            continue
        if reference.path[:2] != ("Properties", "Target"):
            continue
        key = route.properties.get("RouteKey")
        routes.append(key if isinstance(key, str) else f"route {route.logical_id}")
    return routes

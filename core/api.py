"""What every API endpoint shares: one error shape, pagination, throttling, per-action permissions
and the schema hook that documents the errors each operation can answer with.

DRF imports the throttle and pagination classes named in settings while it defines its views,
so this module imports nothing that imports `rest_framework.views` at load time.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, permissions, throttling
from rest_framework.settings import api_settings

from core.errors import DomainError

NON_FIELD = "non_field_errors"


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one body of every 4xx answer.",
    "properties": {
        "code": {
            "type": "string",
            "description": "Machine-readable reason, e.g. invalid, not_found, permission_denied, stale.",
        },
        "detail": {"type": "string", "description": "A human-readable summary."},
        "errors": {
            "type": "object",
            "description": "Messages by field path, e.g. `volumes[0].cv` or `records[12].quantity`; "
            f"`{NON_FIELD}` for the request as a whole. Empty when no field is at fault.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "detail", "errors"],
}


class DomainAPIError(exceptions.APIException):
    """A Django ValidationError (the services' refusal) as an API error."""

    def __init__(self, error: DjangoValidationError):
        error = DomainError.from_validation(error)
        code = error.code
        self.status_code = error.status
        if hasattr(error, "error_dict"):
            detail = {
                NON_FIELD if k == "__all__" else k.removesuffix(".__all__"): v
                for k, v in error.message_dict.items()
            }
        else:
            detail = {NON_FIELD: error.messages}
        super().__init__(detail=detail, code=code)
        self.code = code


def field_errors(detail: Any, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Flatten DRF's nested error detail into (field path, messages)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                child = f"{path}[{key}]"
            elif key == NON_FIELD and path:
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            yield from field_errors(value, child)
    elif isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        if detail:
            yield path or NON_FIELD, [str(item) for item in detail]
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            yield from field_errors(item, f"{path}[{index}]")
    else:
        yield path or NON_FIELD, [str(detail)]


def error_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, DomainAPIError):
        return exc.code
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    return exc.default_code


def exception_handler(exc, context):
    """Every 4xx in one shape: {"code", "detail", "errors": {field path: [messages]}}."""
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = DomainAPIError(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))  # Django's limits on a form body, met while parsing it
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError | DomainAPIError):
        for path, messages in field_errors(exc.detail):
            errors.setdefault(path, []).extend(messages)
        first_path, first = next(iter(errors.items()), (NON_FIELD, [exc.default_detail]))
        summary = first[0] if first_path == NON_FIELD else f"{first_path}: {first[0]}"
    else:
        summary = str(exc.detail)
    response.data = {"code": error_code(exc), "detail": summary, "errors": errors}
    return response


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class RateFromSettings:
    """DRF reads the rates once at import; read them per request so an override applies."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(RateFromSettings, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(RateFromSettings, throttling.AnonRateThrottle):
    pass


class ActionPermissions(permissions.BasePermission):
    """The Django model permissions each action needs, as `view.required_perms[action]`.

    The same permissions the admin checks; an action a view does not list is refused. Which
    rows a user reaches is the view's queryset (e.g. `deals_visible_to`), not this class.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action is None:  # a method the view does not route: let it answer 405
            return True
        needed = view.required_perms.get(view.action)
        return needed is not None and request.user.has_perms(needed)


def error_status_codes(path: str, method: str, operation: dict) -> set[int]:
    """The 4xx answers any operation of this kind can give."""
    codes = {401, 403, 406, 429}
    has_body = "requestBody" in operation
    is_list = any(p.get("name") == "page" for p in operation.get("parameters", []))
    if method != "get" or is_list:
        codes.add(400)
    if "{" in path or is_list:
        codes.add(404)
    if has_body:
        codes.add(415)
    return codes


def document_errors(result, generator, request, public):
    """drf-spectacular hook: every operation lists its 4xx answers, each in the `Error` shape.

    A view declares a status of its own (e.g. 409) with `@extend_schema(responses=...)`; its body
    is filled in here too.
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_status_codes(path, method, operation):
                responses.setdefault(str(code), {"description": HTTPStatus(code).phrase})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = error
            operation["responses"] = dict(sorted(responses.items()))
    return result

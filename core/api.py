"""What every API endpoint shares: one error shape, the JSON parser and the serializer fields that
hold input to `core.inputs`, pagination, throttling, per-action permissions and the schema hook
that documents the errors each operation can answer with.

DRF imports the throttle and pagination classes named in settings while it defines its views,
so this module imports nothing that imports `rest_framework.views` at load time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from rest_framework import exceptions, pagination, parsers, permissions, serializers, throttling
from rest_framework.settings import api_settings

from core.errors import DomainError
from core.inputs import (
    CONTROL_CHARACTERS_MESSAGE,
    FREE_TEXT_MAX_CHARS,
    has_control_characters,
    is_number,
    without_null_validator,
)

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


# Input: what a request body may hold, checked once for every endpoint.

MAX_JSON_DEPTH = 32  # the deepest body of this API is 3 levels; Python's decoder recurses to ~1,000
JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
# A control character in a JSON string is written as an escape (a raw one is invalid JSON).
CONTROL_ESCAPE = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bf])")


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than `limit`, read without decoding (no recursion)."""
    depth = 0
    for char in NOT_BRACKETS.sub("", JSON_STRINGS.sub("", text)):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False


def control_character_paths(value: Any, path: str = "") -> Iterator[str]:
    """The field path (`records[3].text`) of every string, or key, holding a control character."""
    if isinstance(value, str):
        if has_control_characters(value):
            yield path or NON_FIELD
    elif isinstance(value, dict):
        for key, item in value.items():
            if has_control_characters(key):
                yield path or NON_FIELD
                continue
            yield from control_character_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from control_character_paths(item, f"{path}[{index}]")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what no client of this API sends: nesting deeper than
    `MAX_JSON_DEPTH` (a 400 before the decoder recurses) and a control character in any string
    (a 400 naming each field)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        try:
            text = raw.decode(parsers.get_encoding(parser_context or {}), errors="replace")
        except LookupError:  # an unknown charset: DRF's own parse names it
            text = ""
        if json_depth_exceeds(text):
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused.")
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        if CONTROL_ESCAPE.search(text):
            paths = list(dict.fromkeys(control_character_paths(data)))
            if paths:
                raise exceptions.ValidationError({path: [CONTROL_CHARACTERS_MESSAGE] for path in paths})
        return data


class CharField(serializers.CharField):
    """Text without control characters; at most `FREE_TEXT_MAX_CHARS` unless told otherwise."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("max_length", FREE_TEXT_MAX_CHARS)
        super().__init__(**kwargs)
        self.validators = without_null_validator(self.validators)


class StrictNumberMixin:
    """A string is a number only in ASCII `[+-]digits[.digits]`: DRF, like Python, would take
    "١٢", "１２", "1_000" or " 5 ". JSON numbers are ASCII by their grammar."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not is_number(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(StrictNumberMixin, serializers.IntegerField):
    pass


class BigIntegerField(StrictNumberMixin, serializers.BigIntegerField):
    pass


class DecimalField(StrictNumberMixin, serializers.DecimalField):
    pass


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A row by its integer key, written in ASCII digits: "١٢" is not row 12."""

    def to_internal_value(self, data):
        if isinstance(data, str) and self.pk_field is None:
            pk = self.get_queryset().model._meta.pk
            if isinstance(pk, models.IntegerField) and not (is_number(data) and "." not in data):
                self.fail("does_not_exist", pk_value=data[:100])
        return super().to_internal_value(data)


STRICT_FIELDS = {
    serializers.CharField: CharField,
    serializers.IntegerField: IntegerField,
    serializers.BigIntegerField: BigIntegerField,
    serializers.DecimalField: DecimalField,
}


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer: the model's text, numbers and keys through the fields
    above (a TextField is free text, at most `FREE_TEXT_MAX_CHARS`)."""

    serializer_field_mapping = {
        model_field: STRICT_FIELDS.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
    serializer_related_field = PrimaryKeyRelatedField


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

"""What every API endpoint shares: one error shape, the JSON parser and the serializer fields that
hold input to `core.inputs`, pagination, throttling, per-action permissions and the schema hook
that documents the errors each operation can answer with.

DRF imports the throttle and pagination classes named in settings while it defines its views,
so this module imports nothing that imports `rest_framework.views` at load time.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import django_filters.fields
import django_filters.rest_framework
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from redis.exceptions import RedisError
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
from core.inputs import DecimalField as DecimalFormField
from core.inputs import IntegerField as IntegerFormField

NON_FIELD = "non_field_errors"
logger = logging.getLogger(__name__)


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


class Conflict(exceptions.ValidationError):
    """A row with the same unique value already exists: the request is sound, the data refuses it."""

    status_code = HTTPStatus.CONFLICT
    default_code = "conflict"


def codes_of(detail) -> Iterator[str]:
    if isinstance(detail, dict):
        for item in detail.values():
            yield from codes_of(item)
    elif isinstance(detail, list):
        for item in detail:
            yield from codes_of(item)
    else:
        yield getattr(detail, "code", "invalid")


def is_uniqueness_conflict(exc: exceptions.ValidationError) -> bool:
    codes = set(codes_of(exc.detail))
    return bool(codes) and codes <= {"unique", "unique_together"}


def error_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, DomainAPIError):
        return exc.code
    if isinstance(exc, Conflict):
        return "conflict"
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
    if isinstance(exc, exceptions.ValidationError) and is_uniqueness_conflict(exc):
        exc = Conflict(exc.detail)
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
    """Text without control characters; at most `FREE_TEXT_MAX_CHARS` unless told otherwise.
    Only a JSON string is text: DRF would store the number 0 as "0"."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("max_length", FREE_TEXT_MAX_CHARS)
        super().__init__(**kwargs)
        self.validators = without_null_validator(self.validators)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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
    """Money and ratios are decimal strings, as the schema says: a JSON number is refused, since
    the decoder has already made it a float."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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


class RefuseUnknownFields:
    """A request naming a field the operation does not have is refused, naming it: a misspelt
    `rollback_path` silently ignored would look saved. The schema says the same
    (`additionalProperties: false`, see `tighten_requests`)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                message = ["Not a field of this request."]
                raise serializers.ValidationError(dict.fromkeys(unknown[:20], message))
        return super().to_internal_value(data)


class Serializer(RefuseUnknownFields, serializers.Serializer):
    """The base of every serializer that reads a request body."""


class ModelSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    """The base of every model serializer: unknown fields refused, and the model's text, numbers
    and keys through the fields above (a TextField is free text, at most `FREE_TEXT_MAX_CHARS`)."""

    serializer_field_mapping = {
        model_field: STRICT_FIELDS.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
    serializer_related_field = PrimaryKeyRelatedField


class Pagination(pagination.PageNumberPagination):
    """Pages of 50 by default; `page_size` from 1 to 500, anything else refused (DRF would fall
    back to the default without a word)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (is_number(raw) and "." not in raw and int(raw) >= 1):
            raise exceptions.NotFound("No such page: pages are numbered from 1.")
        return raw

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if is_number(raw) and "." not in raw else 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            "page": {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class GivenNotEmpty:
    """A filter field: a value given empty (`?deal=`) is refused like any other that is not of
    the type the schema says; a parameter left out does not filter."""

    def to_python(self, value):
        if value == "":
            raise DjangoValidationError(self.empty_message, code="invalid")
        return super().to_python(value)


# Ids are 64-bit database keys; a number past them is refused rather than sent to the database.
ID_MAX = 2**63 - 1


class IdField(GivenNotEmpty, IntegerFormField):
    empty_message = "Give an id."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=ID_MAX, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.Filter):
    """A related row by its id, in ASCII digits. An id that matches nothing (missing, or a row
    the caller may not see) lists nothing, as any filter value would; it is not an error."""

    field_class = IdField


class FigureField(GivenNotEmpty, DecimalFormField):
    empty_message = "Give a number."


DECIMAL_FILTER_PATTERN = r"^[+-]?0*[0-9]{1,12}(?:\.[0-9]{1,12})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": DECIMAL_FILTER_PATTERN})
class DecimalFilter(django_filters.Filter):
    """A figure to compare with, as a decimal string (`0.55`, `-1200`): up to 12 digits before
    the point and 12 after, far past any figure stored."""

    field_class = FigureField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_digits=24, decimal_places=12, **kwargs)


class MomentField(GivenNotEmpty, django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date and time, compared in UTC: PostgreSQL refuses an offset past ±15:59,
    which ISO 8601 and Python allow."""

    empty_message = "Give a date and time, e.g. 2026-11-30T09:00:00Z."

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment.astimezone(UTC) if moment else moment
        except OverflowError:
            raise DjangoValidationError("That moment is out of range.", code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class TrueOrFalseField(GivenNotEmpty, forms.Field):
    """`true` or `false`; Django's yes/no field reads anything else as "no filter" without a word."""

    empty_message = "Write true or false."

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise DjangoValidationError("Write true or false.", code="invalid")
        return value == "true"


class BooleanFilter(django_filters.BooleanFilter):
    field_class = TrueOrFalseField


class FilterSet(django_filters.rest_framework.FilterSet):
    """Every foreign key in `filterset_fields` filters by id through `IdFilter`; a yes/no field
    takes `true` or `false` and nothing else."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if field.many_to_one and lookup_type == "exact":
            return IdFilter, {}
        if isinstance(field, models.BooleanField) and lookup_type == "exact":
            return BooleanFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    filterset_base = FilterSet


class RateFromSettings:
    """DRF reads the rates once at import; read them per request so an override applies. With
    the shared cache unreachable a request is let through, as the site works without Redis."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            logger.warning("API throttle skipped, the cache is unreachable: %s", error)
            return True


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


# Schema: the request schemas say exactly what the fields above accept, so that a client
# generating requests from the schema (schemathesis in CI) finds the two in agreement.

# Text as `CharField` takes it, in ECMA syntax: no control character but tab and new lines,
# and, where blank is refused, at least one character that is not white space.
TEXT_CHARACTER = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f]"
TEXT_PATTERN = f"^{TEXT_CHARACTER}+$"  # blank, where allowed, is the schema's other branch
NON_BLANK_TEXT_PATTERN = rf"^{TEXT_CHARACTER}*[^\s\u0000-\u001f]{TEXT_CHARACTER}*$"


class CharFieldSchema(OpenApiSerializerFieldExtension):
    target_class = CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and schema.get("type") == "string" and not self.target.read_only:
            schema.setdefault("pattern", TEXT_PATTERN if self.target.allow_blank else NON_BLANK_TEXT_PATTERN)
        return schema


def rejects(validator, value) -> bool:
    try:
        validator(value)
    except DjangoValidationError:
        return True
    return False


def decimal_pattern(field: serializers.DecimalField) -> str:
    """`[sign]digits[.digits]` within the field's digits and bounds. An upper bound of a power
    of ten (the catalog's limits) is written exactly; the lower is 0 or unbounded."""
    non_negative = (field.min_value is not None and field.min_value >= 0) or any(
        rejects(validator, Decimal(-1)) for validator in field.validators
    )
    places = field.decimal_places
    fraction = rf"(?:\.[0-9]{{1,{places}}})?" if places else ""
    whole = f"[0-9]{{1,{field.max_whole_digits}}}{fraction}"
    bounds = [field.max_value] + [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    upper = min((Decimal(b) for b in bounds if b is not None), default=None)
    if upper is not None and upper > 1 and upper == Decimal(10) ** (len(str(int(upper))) - 1):
        zeros = len(str(int(upper))) - 1
        exact = rf"1{'0' * zeros}(?:\.0{{1,{places}}})?" if places else f"1{'0' * zeros}"
        whole = f"(?:[0-9]{{1,{zeros}}}{fraction}|{exact})"
    return f"^{'' if non_negative else '-?'}0*{whole}$"


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    target_class = DecimalField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and schema.get("type") == "string":
            schema["pattern"] = decimal_pattern(self.target)
        return schema


class ChoiceDependentSerializer(Serializer):
    """A body whose choice (`choice_field`) decides which other fields it needs, e.g. a rejection
    says why and a link artifact has its address. The server refuses what is missing; the schema
    says it with one alternative per set of needs (`ChoiceDependentSchema`, `branch_by_choice`)."""

    choice_field: str
    required_by_choice: dict[str, tuple[str, ...]]


class ChoiceDependentSchema(OpenApiSerializerExtension):
    target_class = ChoiceDependentSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            needs = {str(choice): list(fields) for choice, fields in self.target.required_by_choice.items()}
            schema[CHOICE_DEPENDENT] = {"field": self.target.choice_field, "needs": needs}
        return schema


CHOICE_DEPENDENT = "x-required-by-choice"


def required_text(schema: dict) -> dict:
    """A text property as a required one: the non-blank alternative, with at least one character
    that is not white space."""
    text = dict(schema["oneOf"][0]) if "oneOf" in schema else dict(schema)
    text.pop("default", None)
    if "description" in schema:
        text["description"] = schema["description"]
    if text.get("pattern") in (TEXT_PATTERN, None) and text.get("type") == "string" and "format" not in text:
        text["pattern"] = NON_BLANK_TEXT_PATTERN
        text["minLength"] = max(1, text.get("minLength", 0))
    return text


def branch_by_choice(result, generator, request, public):
    """drf-spectacular hook, after the enums are named: a `ChoiceDependentSerializer`'s body as
    one alternative per set of fields its choices need, each choice's value inline."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        spec = schema.pop(CHOICE_DEPENDENT, None)
        if spec is None:
            continue
        field = spec["field"]
        properties = schema["properties"]
        groups: dict[tuple[str, ...], list[str]] = {}
        for choice in resolve_enum(result, properties[field]):
            groups.setdefault(tuple(spec["needs"].get(choice, ())), []).append(choice)
        branches = []
        for needs, group in groups.items():
            if not set(needs) <= set(properties):
                continue  # a choice this body cannot carry (a file in JSON)
            branch_properties = dict(properties)
            branch_properties[field] = {"type": "string", "enum": group}
            for name in needs:
                branch_properties[name] = required_text(properties[name])
            required = sorted(set(schema.get("required", [])) | set(needs))
            branches.append(
                {
                    "type": "object",
                    "properties": branch_properties,
                    "required": required,
                    "additionalProperties": False,
                }
            )
        for key in ("type", "properties", "required", "additionalProperties"):
            schema.pop(key, None)
        schema["oneOf"] = branches
    return result


def resolve_enum(result: dict, schema: dict) -> list:
    if "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        return resolve_enum(result, schema["allOf"][0])
    return list(schema.get("enum", []))


def error_status_codes(path: str, method: str, operation: dict) -> set[int]:
    """The 4xx answers any operation of this kind can give."""
    codes = {401, 403, 406, 429}
    has_body = "requestBody" in operation
    is_list = any(p.get("name") == "page" for p in operation.get("parameters", []))
    if method != "get" or is_list:
        codes.add(400)
    if "{" in path or is_list:
        codes.add(404)
    if method != "get":
        codes.add(409)  # what the data refuses: a closed deal, a decided step, a taken unique value
    if has_body:
        codes.add(415)
    return codes


def tighten_requests(result, generator, request, public):
    """drf-spectacular hook: the schema of a request as strict as the server is. A body holds
    only the fields it lists (`RefuseUnknownFields`), a body described by alternatives is
    required, and a text query parameter holds no NUL (Django's forms refuse it)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                # `ordering` takes any text: a field it does not know is left out, as DRF does.
                is_text = parameter["in"] == "query" and schema.get("type") == "string"
                is_text = is_text and parameter["name"] != "ordering"
                if is_text and not {"enum", "format", "pattern"} & set(schema):
                    schema["pattern"] = "^[^\\u0000]*$"
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                if "oneOf" in schemas.get(ref.rsplit("/", 1)[-1], {}):
                    operation["requestBody"]["required"] = True
    return result


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


def library_doc_excludes() -> list[type]:
    """drf-spectacular: the docstrings of this module's base classes describe the bases, not an
    operation's body; a serializer without a docstring of its own gets no description."""
    # drf-spectacular's plumbing imports DRF's views, which this module must not at load (above).
    from drf_spectacular.plumbing import get_lib_doc_excludes

    bases = [ModelSerializer, Serializer, RefuseUnknownFields, ChoiceDependentSerializer]
    return [*get_lib_doc_excludes(), *bases]

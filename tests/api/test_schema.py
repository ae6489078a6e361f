"""The OpenAPI schema is complete enough for a client generator: valid, warning-free, every error
answer documented in the one `Error` shape, every operation authenticated by token or session."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_and_generated_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert yaml.safe_load(target.read_text())["openapi"].startswith("3.")


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "406", "429"} <= set(responses), (method, path)
            if method != "get":
                assert "400" in responses, (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (method, path, code)
            assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], (method, path)


def test_money_is_a_decimal_string_and_choices_are_named_enums(schema):
    deal = schema["components"]["schemas"]["Deal"]["properties"]
    assert deal["net_monthly"]["type"] == "string"
    assert deal["net_monthly"]["format"] == "decimal"
    assert deal["status"]["allOf"][0]["$ref"] == "#/components/schemas/DealStatusEnum"
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "detail", "errors"]


def test_the_ingestion_requires_its_idempotency_key(schema):
    parameters = schema["paths"]["/api/v1/performed-work/"]["post"]["parameters"]
    assert [(p["in"], p["name"], p["required"]) for p in parameters] == [("header", "Idempotency-Key", True)]

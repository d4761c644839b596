"""The OpenAPI schema drf-spectacular generates documents both endpoints: request bodies,
success bodies and every error answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


@pytest.fixture
def schema(settings):
    settings.ROOT_URLCONF = "tests.contrib.urls_conf"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # valid OpenAPI 3
    return schema


def resolve(schema, ref_or_schema):
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def body(schema, operation, status=None):
    content = (
        operation["requestBody"]["content"]
        if status is None
        else operation["responses"][str(status)]["content"]
    )
    assert list(content) == ["application/json"]
    return resolve(schema, content["application/json"]["schema"])


def test_request_code_is_documented(schema):
    operation = schema["paths"]["/api/phone/request-code/"]["post"]
    assert set(schema["paths"]["/api/phone/request-code/"]) == {"post"}
    request = body(schema, operation)
    assert set(request["properties"]) == {"phone", "purpose"} and request["required"] == ["phone"]
    assert request["properties"]["phone"]["maxLength"] == 32
    sent = body(schema, operation, 200)
    assert set(sent["properties"]) == {"retry_after", "expires_in"}
    assert set(operation["responses"]) == {"200", "400", "403", "413", "415", "429", "502"}
    error = body(schema, operation, 429)
    assert set(error["properties"]) == {"detail", "code", "field", "retry_after", "attempts_left"}
    assert sorted(error["required"]) == ["code", "detail"]
    assert "Retry-After" in operation["responses"]["429"]["description"]
    assert "send_unknown" in operation["responses"]["502"]["description"]


def test_verify_code_is_documented(schema):
    operation = schema["paths"]["/api/phone/verify-code/"]["post"]
    request = body(schema, operation)
    assert set(request["properties"]) == {"phone", "code", "purpose"}
    assert sorted(request["required"]) == ["code", "phone"]
    assert request["properties"]["code"]["maxLength"] == 20
    assert set(body(schema, operation, 200)["properties"]) == {"verified"}
    assert "attempts_left" in operation["responses"]["400"]["description"]
    assert body(schema, operation, 400)["properties"]["attempts_left"]["type"] == "integer"
    assert "csrf_failed" in operation["responses"]["403"]["description"]

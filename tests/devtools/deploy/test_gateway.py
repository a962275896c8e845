"""What API Gateway answers on its own is the contract's JSON with the security headers; its access log is JSON."""

import json
import re

import pytest

from tests.devtools.deploy.stack_options import created

# Response type -> (status, Code). The API has no IAM-signed routes and no API keys, so API Gateway gives
# MISSING_AUTHENTICATION_TOKEN and INVALID_SIGNATURE only for paths it does not have: 404.
EXPECTED = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "NotFoundError"),
    "INVALID_SIGNATURE": (404, "NotFoundError"),
    "RESOURCE_NOT_FOUND": (404, "NotFoundError"),
    "UNAUTHORIZED": (401, "UnauthorizedError"),
    "ACCESS_DENIED": (403, "ForbiddenError"),
    "EXPIRED_TOKEN": (403, "ForbiddenError"),
    "INVALID_API_KEY": (403, "ForbiddenError"),
    "WAF_FILTERED": (403, "ForbiddenError"),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestError"),
    "BAD_REQUEST_BODY": (400, "BadRequestError"),
    "REQUEST_TOO_LARGE": (413, "RequestEntityTooLargeError"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaType"),
    "THROTTLED": (429, "TooManyRequestsError"),
    "QUOTA_EXCEEDED": (429, "TooManyRequestsError"),
    "DEFAULT_4XX": (400, "BadRequestError"),
    # Lambda failing, timing out or throttled, a configuration error: the client can only retry later.
    "DEFAULT_5XX": (503, "ServiceUnavailable"),
}


@pytest.fixture(scope="module")
def gateway_responses(template):
    return template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]


@pytest.fixture(scope="module")
def rest_api(template):
    return template["Resources"]["RestAPI"]


@pytest.fixture(scope="module")
def logging_stack(template):
    """The stack as created with access logs on and the account's logging role set by it."""
    return created(template, ApiAccessLog="on-and-set-account-role")


def test_every_answer_of_api_gateway_itself_is_declared(gateway_responses):
    assert set(gateway_responses) == set(EXPECTED)


@pytest.mark.parametrize("response_type", sorted(EXPECTED))
def test_gateway_answer_is_the_contracts_json_with_the_security_headers(gateway_responses, response_type):
    status, code = EXPECTED[response_type]
    response = gateway_responses[response_type]
    assert response["statusCode"] == str(status)
    body = json.loads(response["responseTemplates"]["application/json"])
    assert set(body) == {"Code", "Message"}
    assert body["Code"] == code
    assert re.fullmatch(rf"{code}: [^$#{{}}]+\.", body["Message"]), body["Message"]
    headers = response["responseParameters"]
    assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
    assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'"
    if status in (429, 503):
        assert headers["gatewayresponse.header.Retry-After"] == "'1'"


def test_no_gateway_answer_is_a_5xx_other_than_503(gateway_responses):
    assert [r["statusCode"] for r in gateway_responses.values() if r["statusCode"].startswith("5")] == ["503"]


def test_access_log_is_json_in_its_own_log_group_with_a_retention(logging_stack):
    setting = logging_stack["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]
    group_name = setting["DestinationArn"]["Fn::GetAtt"][0]
    assert setting["DestinationArn"] == {"Fn::GetAtt": [group_name, "Arn"]}
    group = logging_stack["Resources"][group_name]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 30
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "method", "path", "status", "error"} <= set(fields)
    assert all(re.fullmatch(r"\$context(\.\w+)+", value) for value in fields.values())


def test_access_log_carries_no_token_header_or_query_string(logging_stack):
    log_format = logging_stack["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]["Format"]
    lowered = log_format.lower()
    assert "authorization" not in lowered
    assert "header" not in lowered and "$input" not in lowered and "querystring" not in lowered
    assert "$context.authorizer.claims.sub" in log_format
    assert "email" not in lowered
    # Values the client chooses freely could break the JSON line (a quote in a user agent).
    assert "useragent" not in lowered


def test_api_gateway_may_write_to_cloudwatch_and_the_role_outlives_the_stack(logging_stack):
    resources = logging_stack["Resources"]
    account = resources["ApiGatewayAccount"]
    assert account["Type"] == "AWS::ApiGateway::Account"
    role_name = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = resources[role_name]
    # The account setting is per region and stays after the stack is deleted: so does the role it names.
    assert role["DeletionPolicy"] == "Retain"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    assert resources["ApiLogRoleReady"]["Metadata"]["AccountLogRole"] == {"Ref": "ApiGatewayAccount"}


def test_stage_is_throttled_and_logs_no_execution_details(rest_api):
    (settings,) = rest_api["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    # Execution logs with data tracing would write request headers, the ID token among them.
    assert not settings.get("DataTraceEnabled") and "LoggingLevel" not in settings


def test_the_api_is_regional_so_no_cloudfront_answers_for_it(rest_api, template):
    # An edge-optimized API sits behind CloudFront, which refuses some methods itself with an HTML page.
    assert rest_api["Properties"]["EndpointConfiguration"] == "REGIONAL"
    assert template["Outputs"]["EndpointURL"]["Value"]["Fn::Sub"].startswith("https://${RestAPI}.execute-api.")

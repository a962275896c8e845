"""The template's switches: a per-address request limit in AWS WAF and API Gateway access logs, both off by default."""

import json

import pytest

from tests.devtools.deploy.stack_options import created, parameter_values

WAF = {"ApiWebAcl", "ApiWebAclAssociation"}
ACCOUNT_ROLE = {"ApiGatewayAccount", "ApiGatewayLogRole"}


def access_log(stack):
    return stack["Resources"]["RestAPI"]["Properties"].get("AccessLogSetting")


def test_both_switches_are_off_by_default(template):
    assert parameter_values(template)["WebAcl"] == "off"
    assert parameter_values(template)["ApiAccessLog"] == "off"
    stack = created(template)
    assert not (WAF | ACCOUNT_ROLE | {"ApiAccessLogGroup"}) & set(stack["Resources"])
    assert access_log(stack) is None
    # Nothing in what is created names a resource that is not.
    assert not any(name in json.dumps(stack) for name in ['"ApiWebAcl"', '"ApiGatewayAccount"', '"ApiAccessLogGroup"'])


def test_the_web_acl_limits_each_client_address_on_the_api_stage(template):
    stack = created(template, WebAcl="on", WebAclRateLimit=200)
    resources = stack["Resources"]
    assert set(resources) >= WAF
    acl = resources["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    viewer, direct = sorted(acl["Rules"], key=lambda rule: rule["Priority"])
    assert [viewer["Name"], direct["Name"]] == ["requests-per-viewer-address", "requests-per-address"]
    for rule in (viewer, direct):
        rate = rule["Statement"]["RateBasedStatement"]
        assert rate["Limit"] == {"Ref": "WebAclRateLimit"} and rate["EvaluationWindowSec"] == 300
    # Requests that come straight to the API are counted by their source address.
    assert direct["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    association = resources["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    # The API's stage, named through SAM's reference to it (so the association waits for the stage).
    stage_arn = association["ResourceArn"]["Fn::Sub"]
    assert stage_arn.endswith(":apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/${RestAPI.Stage}")


def test_a_refused_request_gets_429_in_the_contract_shape(template):
    acl = created(template, WebAcl="on")["Resources"]["ApiWebAcl"]["Properties"]
    responses = [rule["Action"]["Block"]["CustomResponse"] for rule in acl["Rules"]]
    assert len(responses) == 2 and responses[0] == responses[1]
    response = responses[0]
    assert response["ResponseCode"] == 429
    headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}
    assert headers == {"Retry-After": "60", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"]) == {
        "Code": "TooManyRequestsError",
        "Message": "TooManyRequestsError: too many requests from this address; retry later.",
    }


def test_the_rate_limit_parameter_is_bounded_as_waf_bounds_it(template):
    limit = template["Parameters"]["WebAclRateLimit"]
    assert (limit["MinValue"], limit["MaxValue"]) == (10, 2_000_000_000)
    assert template["Parameters"]["WebAcl"]["AllowedValues"] == ["off", "on"]
    with pytest.raises(AssertionError, match="is not one of"):
        created(template, WebAcl="yes")


def test_access_log_on_uses_the_role_the_region_already_names_and_changes_no_account_setting(template):
    stack = created(template, ApiAccessLog="on")
    assert not ACCOUNT_ROLE & set(stack["Resources"])
    setting = access_log(stack)
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert stack["Resources"]["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == 30


def test_setting_the_account_role_is_a_choice_of_its_own_and_the_stage_waits_for_it(template):
    stack = created(template, ApiAccessLog="on-and-set-account-role")
    resources = stack["Resources"]
    assert set(resources) >= ACCOUNT_ROLE and access_log(stack) is not None
    assert resources["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayLogRole", "Arn"]
    }
    # The stage depends on a handle that refers to the account setting only when the stack makes it.
    assert resources["RestAPI"]["DependsOn"] == "ApiLogRoleReady"
    ready = resources["ApiLogRoleReady"]
    assert ready["Metadata"]["AccountLogRole"] == {"Ref": "ApiGatewayAccount"}
    assert created(template)["Resources"]["ApiLogRoleReady"]["Metadata"]["AccountLogRole"] == "not set by this stack"

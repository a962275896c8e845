"""The packaged template's accounts: a Cognito user pool and app client, and the authorizer on every todo method."""

import copy

import pytest

from devtools.deploy import package

USER_POOL_ARN = {"Fn::GetAtt": ["UserPool", "Arn"]}
ANY_METHOD = "x-amazon-apigateway-any-method"
# Public: CORS preflights and the OpenAPI document (GET and HEAD); ANY hands other methods to the app's 405.
PUBLIC = {("/openapi.json", "get"), ("/openapi.json", "head")}


def definition_body(template):
    return template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]


def test_user_pool_signs_up_by_email_with_verification_and_is_kept(template):
    pool = template["Resources"]["UserPool"]
    assert pool["Type"] == "AWS::Cognito::UserPool"
    assert pool["DeletionPolicy"] == "Retain" and pool["UpdateReplacePolicy"] == "Retain"
    properties = pool["Properties"]
    assert properties["UsernameAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert properties["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]
    policy = properties["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert policy["RequireLowercase"] and policy["RequireUppercase"] and policy["RequireNumbers"]


def test_app_client_has_no_secret_and_only_password_and_refresh_flows(template):
    client = template["Resources"]["UserPoolClient"]
    assert client["Type"] == "AWS::Cognito::UserPoolClient"
    properties = client["Properties"]
    assert properties["UserPoolId"] == {"Ref": "UserPool"}
    assert properties["GenerateSecret"] is False
    assert sorted(properties["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert properties["PreventUserExistenceErrors"] == "ENABLED"
    units = properties["TokenValidityUnits"]
    assert (properties["IdTokenValidity"], units["IdToken"]) == (60, "minutes")
    assert (properties["RefreshTokenValidity"], units["RefreshToken"]) == (30, "days")


def test_function_is_told_the_pool_and_client_by_ref(template):
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["AUTH_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert variables["AUTH_CLIENT_ID"] == {"Ref": "UserPoolClient"}


def test_outputs_name_what_the_ui_needs(template):
    outputs = template["Outputs"]
    assert outputs["UserPoolId"]["Value"] == {"Ref": "UserPool"}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "UserPoolClient"}
    assert outputs["Region"]["Value"] == {"Ref": "AWS::Region"}


def test_the_one_authorizer_is_cognito_on_the_stacks_pool(template):
    definitions = definition_body(template)["securityDefinitions"]
    assert list(definitions) == ["TodoUsers"]
    authorizer = definitions["TodoUsers"]
    assert authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert authorizer["name"] == "Authorization" and authorizer["in"] == "header"
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [USER_POOL_ARN],
    }


def test_every_todo_method_needs_the_authorizer(template):
    paths = definition_body(template)["paths"]
    todo_methods = [
        (path, method)
        for path, methods in paths.items()
        for method in methods
        if method not in ("options", ANY_METHOD) and (path, method) not in PUBLIC
    ]
    assert {("/todos", "get"), ("/todos", "post"), ("/todos/{todo_id}", "delete")} <= set(todo_methods)
    for path, method in todo_methods:
        assert paths[path][method].get("security") == [{"TodoUsers": []}], (path, method)
    for path, method in PUBLIC:
        assert "security" not in paths[path][method]
    for path, methods in paths.items():
        assert "security" not in methods["options"], path


def test_the_any_method_of_each_resource_goes_to_the_function_without_authorizer(template):
    for path, methods in definition_body(template)["paths"].items():
        any_method = methods[ANY_METHOD]
        assert "security" not in any_method, path
        assert any_method["x-amazon-apigateway-integration"] == methods["get"]["x-amazon-apigateway-integration"]
        assert any_method.get("parameters") == methods["get"].get("parameters")


def chalice_template(app_authorizers=("TodoUsers",), merged=("TodoUsers",), origins=""):
    """A small template as Chalice writes it after the merge: app authorizers, merge-supplied pool ARNs."""
    definitions = {}
    for name in app_authorizers:
        definitions[name] = {
            "in": "header",
            "type": "apiKey",
            "name": "Authorization",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:placeholder"]},
        }
    for name in merged:
        definitions.setdefault(name, {}).setdefault("x-amazon-apigateway-authorizer", {})["providerARNs"] = [
            USER_POOL_ARN
        ]
    integration = {"type": "aws_proxy", "uri": "the function"}
    return {
        "Resources": {
            "APIHandler": {"Properties": {"Environment": {"Variables": {"CORS_ALLOW_ORIGINS": origins}}}},
            "RestAPI": {
                "Properties": {
                    "DefinitionBody": {
                        "securityDefinitions": definitions,
                        "paths": {"/todos": {"get": {"x-amazon-apigateway-integration": integration}}},
                        "x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {"statusCode": "401"}},
                    }
                }
            },
        }
    }


def test_finish_template_refuses_an_authorizer_the_app_does_not_declare():
    with pytest.raises(package.PackageError, match="declares no authorizer of that name"):
        package.finish_template(chalice_template(app_authorizers=(), merged=("TodoUsers",)))


def test_finish_template_refuses_an_app_authorizer_left_on_its_placeholder():
    with pytest.raises(package.PackageError, match="not pointed at the stack's user pool"):
        package.finish_template(chalice_template(app_authorizers=("TodoUsers", "Other"), merged=("TodoUsers",)))


def test_finish_template_adds_the_any_method_and_leaves_its_input_alone():
    original = chalice_template()
    kept = copy.deepcopy(original)
    finished = package.finish_template(original)
    assert original == kept
    methods = finished["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]["/todos"]
    assert methods[ANY_METHOD]["x-amazon-apigateway-integration"] == methods["get"]["x-amazon-apigateway-integration"]


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        ("https://todo.example.com", "'https://todo.example.com'"),
        ("", None),
        ("https://a.example,https://b.example", None),
    ],
)
def test_gateway_answers_name_the_stages_origin_only_when_it_is_one(origins, expected):
    finished = package.finish_template(chalice_template(origins=origins))
    body = finished["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    parameters = body["x-amazon-apigateway-gateway-responses"]["UNAUTHORIZED"].get("responseParameters", {})
    assert parameters.get("gatewayresponse.header.Access-Control-Allow-Origin") == expected

"""The packaged CloudFormation template: valid, the table as db/schema.json says, a least-privilege role."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from chalicelib.settings import LOCAL_STAGE_VARIABLES
from devtools.db.datafiles import load_schema
from devtools.deploy import package, preflight

ROOT = Path(__file__).resolve().parents[3]
STORAGE = ROOT / "backend" / "chalicelib" / "storage.py"
TABLE_ARN = {"Fn::GetAtt": ["TodosTable", "Arn"]}


def dynamodb_actions_used_by_the_code():
    """IAM action names of every DynamoDB operation storage.py calls.

    Calls look like ``_call("get_item")``, ``_write("update_item", ...)`` or ``client.query()``.
    """
    operations = set()
    for node in ast.walk(ast.parse(STORAGE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr in ("_call", "_write") and node.args and isinstance(node.args[0], ast.Constant):
            operations.add(node.args[0].value)
        elif isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "client":
            operations.add(node.func.attr)
    return {"dynamodb:" + "".join(part.title() for part in op.split("_")) for op in operations}


def policy_documents(value):
    """Every IAM policy document in ``value``, found as preflight finds them (a WAF rule's Statement is none)."""
    return [document for _, document in preflight._policy_documents(value)]


def function_statements(template):
    function = template["Resources"]["APIHandler"]["Properties"]
    role_name = function["Role"]["Fn::GetAtt"][0]
    role = template["Resources"][role_name]["Properties"]
    assert "ManagedPolicyArns" not in role
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_template_passes_cfn_lint(packaged):
    template_path = packaged[1]
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(template_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_table_key_schema_is_the_one_in_db_schema_json(template):
    schema = load_schema()
    table = template["Resources"]["TodosTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["Properties"]["KeySchema"] == schema["KeySchema"]
    assert table["Properties"]["AttributeDefinitions"] == schema["AttributeDefinitions"]


def test_table_is_on_demand_recoverable_and_kept_when_the_stack_goes(template):
    table = template["Resources"]["TodosTable"]
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in properties
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_function_gets_the_table_name_by_ref_and_no_endpoint(template):
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["DB_TABLE_NAME"] == {"Ref": "TodosTable"}
    assert variables["CORS_ALLOW_ORIGINS"] == ""
    # Local-only settings: a local engine or token issuer, or a demo owner for requests without a token.
    assert not set(LOCAL_STAGE_VARIABLES) & set(variables)


def test_nothing_in_the_template_scans_the_table(template):
    assert "dynamodb:Scan" in json.dumps({"Action": ["dynamodb:Scan"]})  # the search below can find it
    assert "Scan" not in json.dumps(template)
    assert "dynamodb:Query" in dynamodb_actions_used_by_the_code()


def test_role_allows_exactly_the_dynamodb_actions_the_code_uses_on_the_table_only(template):
    used = dynamodb_actions_used_by_the_code()
    assert "dynamodb:GetItem" in used
    table_statements = [s for s in function_statements(template) if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert len(table_statements) == 1
    statement = table_statements[0]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == sorted(used)
    assert statement["Resource"] == TABLE_ARN


def test_role_writes_logs_only_to_the_function_own_log_group(template):
    resources = template["Resources"]
    function_name = resources["APIHandler"]["Properties"]["FunctionName"]["Fn::Sub"]
    log_group = resources["APIHandlerLogGroup"]["Properties"]
    assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
    assert log_group["RetentionInDays"] > 0
    log_statements = [s for s in function_statements(template) if any(a.startswith("logs:") for a in s["Action"])]
    assert [sorted(s["Action"]) for s in log_statements] == [["logs:CreateLogStream", "logs:PutLogEvents"]]
    assert log_statements[0]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:"
        f"${{AWS::AccountId}}:log-group:/aws/lambda/{function_name}:*"
    }


def test_role_statements_are_only_for_the_table_and_the_logs(template):
    for statement in function_statements(template):
        assert {a.split(":")[0] for a in statement["Action"]} in ({"dynamodb"}, {"logs"})


def test_no_policy_statement_in_the_template_grants_everything(template):
    for document in policy_documents(template):
        for statement in document["Statement"]:
            resources = statement.get("Resource", [])
            assert "*" not in (resources if isinstance(resources, list) else [resources])
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions)


def test_every_policy_document_in_the_template_has_the_2012_10_17_language_version(template):
    documents = list(policy_documents(template))
    assert len(documents) >= 2  # the role's trust policy and its permissions
    assert {d.get("Version") for d in documents} == {"2012-10-17"}


def test_outputs_name_the_api_url_and_the_table(template):
    outputs = template["Outputs"]
    assert re.search(r"execute-api", outputs["EndpointURL"]["Value"]["Fn::Sub"])
    assert outputs["TodosTableName"]["Value"] == {"Ref": "TodosTable"}


def test_merge_template_takes_the_key_schema_from_db_schema_json(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "db").mkdir()
    for name in ("resources.json", "dashboard.json"):
        (tmp_path / "deploy" / name).write_bytes((ROOT / "deploy" / name).read_bytes())
    schema = {
        "TableName": "Todos",
        "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "N"},
        ],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    }
    (tmp_path / "db" / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    table = package.merge_template(tmp_path)["Resources"]["TodosTable"]["Properties"]
    assert table["KeySchema"] == schema["KeySchema"]
    assert table["AttributeDefinitions"] == schema["AttributeDefinitions"]
    assert "ProvisionedThroughput" not in table


def test_staging_packages_offline_and_clean_as_prod_does(template, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "not-used", "AWS_SECRET_ACCESS_KEY": "not-used"}
    command = ["make", "--no-print-directory", "-o", "install", "package", "STAGE=staging", f"DIST={tmp_path}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr  # cfn-lint included
    staging = json.loads((tmp_path / "sam.json").read_text(encoding="utf-8"))
    # The same stack in another name: only Chalice's tag names the stage.
    assert json.dumps(staging).replace(":stage=staging:", ":stage=prod:") == json.dumps(template)
    assert (tmp_path / "site" / "js" / "main.js").is_file()

"""`hobopy preflight`: each pitfall is caught with a message that says the fix, and a clean project passes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from devtools.deploy import package, preflight

ROOT = Path(__file__).resolve().parents[3]
CONFIG = "backend/.chalice/config.json"
POLICY = "backend/.chalice/policy-prod.json"
SCHEMA = "db/schema.json"
SEED = "db/initial-data.json"


@pytest.fixture
def project(tmp_path):
    """A copy of the project's deployable files, safe to break."""
    for folder in ("backend", "db", "deploy"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "deployments", "deployed")
        )
    return tmp_path


def load(project, relative):
    return json.loads((project / relative).read_text(encoding="utf-8"))


def save(project, relative, value):
    (project / relative).write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")


def edit(project, relative, change):
    value = load(project, relative)
    change(value)
    save(project, relative, value)


def messages(project, stage="prod"):
    return [str(problem) for problem in preflight.check(project, stage)]


def only(project, stage="prod"):
    found = messages(project, stage)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_the_project_as_it_is_passes_for_both_deployable_stages(stage):
    assert messages(ROOT, stage) == []
    assert stage not in preflight.LOCAL_STAGES


def test_a_local_setting_in_the_staging_stage_is_refused_as_in_prod(project):
    edit(project, CONFIG, lambda c: c["stages"]["staging"]["environment_variables"].update(ANONYMOUS_OWNER="demo"))
    assert "stage 'staging' sets ANONYMOUS_OWNER" in only(project, "staging")
    assert messages(project, "prod") == []


def test_cli_says_ok_and_exits_0_on_a_clean_project(project):
    result = CliRunner().invoke(preflight.preflight, ["--stage", "prod", "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("preflight OK")


def test_a_clean_check_says_how_the_first_user_is_made_and_what_cognito_costs(project):
    result = CliRunner().invoke(preflight.preflight, ["--stage", "prod", "--project-dir", str(project)])
    assert "admin-create-user" in result.output and "sign" in result.output
    assert "10,000 monthly active users" in result.output and "USD" in result.output


@pytest.mark.parametrize("relative", [CONFIG, POLICY, SCHEMA, SEED, "deploy/resources.json"])
def test_json_syntax_error_is_reported_with_file_line_and_column(project, relative):
    lines = (project / relative).read_text(encoding="utf-8").rstrip().splitlines()
    assert lines[-1] == "}"
    # A trailing comma after the last member, the classic hand-editing slip.
    lines[-2] += ","
    (project / relative).write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = next(m for m in messages(project) if m.startswith(relative + ":"))
    assert problem.startswith(f"{relative}:{len(lines)}:1: invalid JSON: ")
    assert "trailing comma" in problem


def test_json_error_inside_a_line_points_at_its_column(project):
    text = (project / POLICY).read_text(encoding="utf-8")
    (project / POLICY).write_text(text.replace('"Sid": "OwnLogGroup"', '"Sid": "OwnLogGroup" "x"'), encoding="utf-8")
    line = next(i for i, text_line in enumerate(text.splitlines(), 1) if "OwnLogGroup" in text_line)
    column = text.splitlines()[line - 1].index('"OwnLogGroup"') + len('"OwnLogGroup"') + 2
    assert only(project) == (
        f"{POLICY}:{line}:{column}: invalid JSON: Expecting ',' delimiter. "
        "A comma is missing between two items (or a quote is not closed)."
    )


def test_policy_version_written_as_a_date_is_explained_as_the_language_version(project):
    edit(project, POLICY, lambda p: p.update(Version="2024-06-01"))
    problem = only(project)
    assert problem.startswith(POLICY + ": ")
    assert '"2024-06-01"' in problem and '"2012-10-17"' in problem
    assert "not a date" in problem and "MalformedPolicyDocument" in problem


def test_a_policy_file_in_a_folder_of_chalice_s_is_checked_too(project):
    edit(project, CONFIG, lambda c: c["stages"]["prod"].update(iam_policy_file="policies/prod.json"))
    (project / "backend/.chalice/policies").mkdir()
    (project / POLICY).rename(project / "backend/.chalice/policies/prod.json")
    assert messages(project) == []
    edit(project, "backend/.chalice/policies/prod.json", lambda p: p.update(Version="2024-06-01"))
    assert only(project).startswith("backend/.chalice/policies/prod.json: ")


def test_chalice_s_records_of_earlier_deployments_are_not_the_project_s_files(project):
    (project / "backend/.chalice/deployed").mkdir()
    save(project, "backend/.chalice/deployed/prod.json", {"Statement": [], "Version": "2024-06-01"})
    assert messages(project) == []


def test_policy_without_version_is_reported(project):
    edit(project, POLICY, lambda p: p.pop("Version"))
    assert 'add "Version": "2012-10-17"' in only(project)


def test_old_policy_language_version_is_accepted(project):
    edit(project, POLICY, lambda p: p.update(Version="2008-10-17"))
    assert messages(project) == []


def test_policy_grammar_is_left_to_cfn_lint_which_refuses_the_packaged_template(project, tmp_path):
    def break_grammar(policy):
        policy["Statement"][0]["Effect"] = "allow"
        policy["Statement"][1].pop("Resource")

    edit(project, POLICY, break_grammar)
    assert messages(project) == []
    template, _ = package.package("prod", tmp_path / "out", project_dir=project, echo=lambda line: None)
    linted = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(template)], capture_output=True, text=True, timeout=300
    )
    assert linted.returncode != 0
    for mistake in (
        "'allow' is not one of ['Allow', 'Deny']",
        "Only one of ['Resource', 'NotResource'] is a required property",
    ):
        assert mistake in linted.stdout, linted.stdout
    # make package runs cfn-lint on what it wrote, so these never reach AWS.
    assert "\t$(BIN)/cfn-lint $(DIST)/sam.json" in (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("action", ["dynamodb.GetItem", "GetItem", "dynamodb:", "dynamodb: GetItem"])
def test_malformed_action_is_reported_with_the_service_action_shape(project, action):
    # cfn-lint leaves actions unchecked in a template with the SAM transform, as the packaged one is.
    edit(project, POLICY, lambda p: p["Statement"][1]["Action"].append(action))
    problem = only(project)
    assert problem.startswith(f"{POLICY}: statement 2 (OwnLogGroup): action {json.dumps(action)} is malformed")
    assert "service:Action" in problem


def test_dynamodb_actions_on_every_resource_are_reported(project):
    edit(project, POLICY, lambda p: p["Statement"][0].update(Resource="*"))
    assert "name the table's ARN" in only(project)


def test_policy_problems_inside_the_merge_template_are_found(project):
    def add_role(template):
        template["Resources"]["ExtraRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "p",
                        "PolicyDocument": {
                            "Version": "2021-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
                            ],
                        },
                    }
                ],
            },
        }

    edit(project, "deploy/resources.json", add_role)
    problem = only(project)
    assert problem.startswith("deploy/resources.json: Resources.ExtraRole.Properties.Policies[0].PolicyDocument: ")
    assert '"2021-10-17"' in problem


def test_a_waf_rule_statement_is_not_taken_for_an_iam_policy_but_a_policy_beside_it_is_checked(project):
    def add_rules(template):
        rule = {"Name": "r", "Statement": {"NotStatement": {"Statement": {"RateBasedStatement": {"Limit": 10}}}}}
        template["Resources"]["Acl"] = {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": [rule]}}
        template["Resources"]["Other"] = {"Properties": {"PolicyDocument": {"Statement": {"Effect": "Allow"}}}}

    edit(project, "deploy/resources.json", add_rules)
    assert only(project).startswith("deploy/resources.json: Resources.Other.Properties.PolicyDocument: Version is")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8001",
        "http://localhost:8001",
        "http://[::1]:8001",
        "http://127.0.1.1:8001",
        "http://0.0.0.0:8001",
        "localhost:8001",
    ],
)
def test_deployable_stage_with_a_loopback_endpoint_is_reported(project, endpoint):
    edit(project, CONFIG, lambda c: c["stages"]["prod"]["environment_variables"].update(DB_ENDPOINT=endpoint))
    problem = only(project)
    assert problem.startswith(CONFIG + ": stage 'prod' sets DB_ENDPOINT")
    assert "loopback" in problem and "Remove DB_ENDPOINT there; only the dev stage may set it." in problem


def test_loopback_endpoint_inherited_from_the_top_level_is_reported_for_prod(project):
    edit(project, CONFIG, lambda c: c["environment_variables"].update(DB_ENDPOINT="http://localhost:8001"))
    assert "top-level environment_variables" in only(project)


def test_loopback_endpoint_is_fine_for_the_local_dev_stage(project):
    assert load(project, CONFIG)["stages"]["dev"]["environment_variables"]["DB_ENDPOINT"].startswith("http://127.")
    assert messages(project, stage="dev") == []


def test_deployable_stage_with_a_remote_endpoint_passes(project):
    edit(
        project,
        CONFIG,
        lambda c: c["stages"]["prod"]["environment_variables"].update(
            DB_ENDPOINT="https://dynamodb.eu-west-1.amazonaws.com"
        ),
    )
    assert messages(project) == []


@pytest.mark.parametrize(
    "variable, value, why",
    [
        ("ANONYMOUS_OWNER", "demo", "anonymous access"),
        ("AUTH_LOCAL_ENDPOINT", "http://127.0.0.1:8003", "a local issuer"),
        ("HOBOPY_AUTH_ENDPOINT", "https://idp.example.com", "a local issuer"),
        ("CORS_ALLOW_LOOPBACK", "true", "every page on a visitor's own machine"),
    ],
)
def test_deployable_stage_with_anonymous_access_or_a_local_issuer_is_refused(project, variable, value, why):
    edit(project, CONFIG, lambda c: c["stages"]["prod"]["environment_variables"].update({variable: value}))
    problem = only(project)
    assert problem.startswith(f"{CONFIG}: stage 'prod' sets {variable} to {value!r}, {why}")
    assert problem.endswith(f"Remove {variable} there; only the dev stage may set it.")


def test_anonymous_access_inherited_from_the_top_level_or_set_for_one_function_is_refused(project):
    def configure(config):
        config["environment_variables"]["ANONYMOUS_OWNER"] = "demo"
        config["stages"]["prod"]["lambda_functions"] = {
            "api_handler": {"environment_variables": {"AUTH_LOCAL_ENDPOINT": "http://localhost:8003"}}
        }

    edit(project, CONFIG, configure)
    found = messages(project)
    assert len(found) == 2, found
    assert "top-level environment_variables (inherited by every stage) sets ANONYMOUS_OWNER" in found[0]
    assert "stage 'prod', function 'api_handler' sets AUTH_LOCAL_ENDPOINT" in found[1]


def test_the_dev_stage_may_configure_anonymous_access_and_the_local_issuer(project):
    edit(
        project,
        CONFIG,
        lambda c: c["stages"]["dev"]["environment_variables"].update(
            ANONYMOUS_OWNER="demo", AUTH_LOCAL_ENDPOINT="http://127.0.0.1:8003"
        ),
    )
    assert messages(project, stage="dev") == []
    assert messages(project) == []


def test_an_empty_anonymous_owner_is_no_anonymous_access(project):
    edit(project, CONFIG, lambda c: c["stages"]["prod"]["environment_variables"].update(ANONYMOUS_OWNER=""))
    assert messages(project) == []


@pytest.mark.parametrize("relative", [CONFIG, SEED])
def test_a_json_file_with_a_byte_order_mark_is_reported(project, relative):
    (project / relative).write_bytes(b"\xef\xbb\xbf" + (project / relative).read_bytes())
    assert only(project) == (
        f"{relative}:1:1: starts with a byte order mark, which the aws CLI and Chalice "
        "refuse in JSON; save it as UTF-8 without BOM."
    )


def test_unknown_stage_is_reported_with_the_known_ones(project):
    assert "stage 'qa' is not defined (stages: dev, prod, staging)" in only(project, stage="qa")


def test_deployable_stage_with_a_generated_policy_is_reported(project):
    edit(project, CONFIG, lambda c: c["stages"]["prod"].update(autogen_policy=True))
    assert '"autogen_policy": false' in only(project)


def test_seed_item_without_the_key_attribute_is_reported(project):
    edit(project, SEED, lambda s: s["Todos"][1]["PutRequest"]["Item"].pop("id"))
    problem = only(project)
    assert problem.startswith(SEED + ":")
    assert ": Todos[1].PutRequest.Item: the key attribute 'id' of table Todos is missing." in problem


def test_seed_item_with_the_wrong_key_type_is_reported(project):
    edit(project, SEED, lambda s: s["Todos"][2]["PutRequest"]["Item"].update(id={"N": "7"}))
    problem = only(project)
    assert "Todos[2].PutRequest.Item.id: the key attribute 'id' of table Todos has type S, not N." in problem


def test_seed_key_written_as_plain_json_is_reported(project):
    edit(project, SEED, lambda s: s["Todos"][0]["PutRequest"]["Item"].update(id="L5"))
    assert 'Todos[0].PutRequest.Item.id: not a DynamoDB JSON value; write it as {"S": "L5"}.' in only(project)


def test_seed_item_without_the_owner_is_reported(project):
    edit(project, SEED, lambda s: s["Todos"][0]["PutRequest"]["Item"].pop("owner"))
    assert "Todos[0].PutRequest.Item: the key attribute 'owner' of table Todos is missing." in only(project)


def test_seed_for_another_table_name_than_the_schema_is_reported(project):
    edit(project, SEED, lambda s: s.update(Todo=s.pop("Todos")))
    problem = only(project)
    assert "writes to table 'Todo', but db/schema.json creates 'Todos'" in problem


@pytest.mark.parametrize("relative", [CONFIG, POLICY, SCHEMA, "backend/chalicelib/todos.py"])
def test_file_that_is_not_utf8_is_reported_with_the_byte_offset(project, relative):
    data = (project / relative).read_bytes()
    offset = data.index(b"\n") + 1
    # Latin-1 "é", as an editor with the wrong encoding would save it.
    (project / relative).write_bytes(data[:offset] + b"\xe9" + data[offset:])
    problem = next(m for m in messages(project) if m.startswith(relative))
    assert problem.startswith(f"{relative}:2:1: not valid UTF-8 (byte 0xe9)")
    assert "save the file as UTF-8" in problem


def test_every_problem_is_reported_one_line_each_and_the_cli_exits_1(project):
    edit(project, POLICY, lambda p: p.update(Version="2020-01-01"))
    edit(
        project,
        CONFIG,
        lambda c: c["stages"]["prod"]["environment_variables"].update(DB_ENDPOINT="http://127.0.0.1:8001"),
    )
    edit(project, SEED, lambda s: s["Todos"][0]["PutRequest"]["Item"].pop("id"))
    (project / SCHEMA).write_bytes(b"\xff" + (project / SCHEMA).read_bytes())
    assert len(messages(project)) == 3  # the broken schema hides the seed check that needs it
    result = CliRunner().invoke(preflight.preflight, ["--stage", "prod", "--project-dir", str(project)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("preflight: 3 problems")


def test_package_refuses_a_project_that_fails_preflight_and_writes_nothing(project, tmp_path):
    edit(project, POLICY, lambda p: p.update(Version="2024-06-01"))
    with pytest.raises(package.PackageError, match="2024-06-01"):
        package.package("prod", tmp_path / "out", project_dir=project, echo=lambda line: None)
    assert not (tmp_path / "out").exists()


def test_package_refuses_the_local_dev_stage(project, tmp_path):
    with pytest.raises(package.PackageError, match="package a deployable stage"):
        package.package("dev", tmp_path / "out", project_dir=project, echo=lambda line: None)

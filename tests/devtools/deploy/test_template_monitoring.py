"""The packaged template's monitoring: Powertools from AWS's layer, an alarm topic, the alarms and the dashboard."""

import copy
import json
import re
import tomllib
from pathlib import Path

import pytest

from devtools.deploy import package
from tests.devtools.deploy.stack_options import created

ROOT = Path(__file__).resolve().parents[3]
# AWS publishes one layer version for each Powertools release; the lock's version has this one.
POWERTOOLS_LAYER_VERSIONS = {"3.37.0": 40}
ALARMS = {
    "ApiServerErrorRateAlarm",
    "LambdaErrorsAlarm",
    "LambdaThrottlesAlarm",
    "GatewayThrottlesAlarm",
    "ApiLatencyP99Alarm",
    "DynamoDBErrorsAlarm",
    "CloudFrontErrorRateAlarm",
}
SUB = re.compile(r"\$\{([A-Za-z0-9:.]+)\}")


def resources_of_type(template, kind):
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


def locked_powertools_version():
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.startswith("aws-lambda-powertools=="):
            return line.split("==")[1].split()[0]
    raise AssertionError("aws-lambda-powertools is not in requirements.lock")


def test_the_function_uses_aws_powertools_layer_for_its_python_and_architecture_in_its_region(template):
    function = template["Resources"]["APIHandler"]["Properties"]
    (layer,) = function["Layers"]
    runtime, architecture = function["Runtime"].replace(".", ""), function["Architectures"][0]
    expected = (
        f"arn:aws:lambda:${{AWS::Region}}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{runtime}-{architecture}"
    )
    assert layer["Fn::Sub"].rsplit(":", 1)[0] == expected
    assert (runtime, architecture) == ("python311", "arm64")


def test_the_layer_holds_the_powertools_version_pinned_for_development(template):
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert "aws-lambda-powertools==3.37.0" in pinned and locked_powertools_version() == "3.37.0"
    layer_version = int(template["Resources"]["APIHandler"]["Properties"]["Layers"][0]["Fn::Sub"].rsplit(":", 1)[1])
    assert layer_version == POWERTOOLS_LAYER_VERSIONS[locked_powertools_version()]


def test_powertools_is_not_a_runtime_requirement_of_the_zip():
    requirements = (ROOT / "backend" / "requirements.txt").read_text(encoding="utf-8")
    assert "powertools" not in requirements.lower()


@pytest.mark.parametrize(
    ("runtime", "architectures"), [("python3.12", ["arm64"]), ("python3.11", ["x86_64"]), ("python3.11", None)]
)
def test_packaging_refuses_a_powertools_layer_for_another_python_or_architecture(template, runtime, architectures):
    function = copy.deepcopy(template["Resources"]["APIHandler"]["Properties"])
    function["Runtime"] = runtime
    if architectures is None:
        del function["Architectures"]  # Lambda's default, x86_64
    else:
        function["Architectures"] = architectures
    with pytest.raises(package.PackageError, match="Powertools layer"):
        package.check_layers(function)
    package.check_layers(template["Resources"]["APIHandler"]["Properties"])


def test_alarms_tell_one_topic_which_an_optional_email_address_subscribes_to(template):
    (topic,) = resources_of_type(template, "AWS::SNS::Topic")
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": topic},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == ALARMS
    for alarm in alarms.values():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": topic}]
        assert properties["TreatMissingData"] == "notBreaching"
        assert properties["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-")


def test_api_alarms_watch_this_stacks_api_and_stage(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["Name"] == {"Ref": "AWS::StackName"}
    alarms = template["Resources"]
    for name, metric, statistic in (
        ("ApiServerErrorRateAlarm", "5XXError", "Average"),
        ("ApiLatencyP99Alarm", "Latency", "p99"),
    ):
        properties = alarms[name]["Properties"]
        assert (properties["Namespace"], properties["MetricName"]) == ("AWS/ApiGateway", metric)
        assert properties.get("Statistic", properties.get("ExtendedStatistic")) == statistic
        dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
        assert dimensions == {"ApiName": {"Ref": "AWS::StackName"}, "Stage": api["StageName"]}
    assert alarms["ApiServerErrorRateAlarm"]["Properties"]["Threshold"] == 0.05
    assert alarms["ApiLatencyP99Alarm"]["Properties"]["Threshold"] <= 5000  # every answer within 5 s


def test_function_alarms_watch_its_errors_and_throttles(template):
    for name, metric in (("LambdaErrorsAlarm", "Errors"), ("LambdaThrottlesAlarm", "Throttles")):
        properties = template["Resources"][name]["Properties"]
        assert (properties["Namespace"], properties["MetricName"], properties["Statistic"]) == (
            "AWS/Lambda",
            metric,
            "Sum",
        )
        assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "APIHandler"}}]
        assert (properties["Threshold"], properties["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_the_429_alarm_counts_the_stage_throttles_answers_in_the_access_log(template):
    (metric_filter,) = resources_of_type(template, "AWS::Logs::MetricFilter").values()
    properties = metric_filter["Properties"]
    assert properties["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
    access_format = json.loads(
        template["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]["Fn::If"][1]["Format"]
    )
    assert access_format["status"] == "$context.status"
    assert properties["FilterPattern"] == '{ $.status = "429" }'
    (transformation,) = properties["MetricTransformations"]
    alarm = template["Resources"]["GatewayThrottlesAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        transformation["MetricNamespace"],
        transformation["MetricName"],
    )
    assert "${AWS::StackName}" in alarm["MetricName"]["Fn::Sub"]  # one metric for each stack


def test_the_dynamodb_alarm_sums_throttles_and_system_errors_of_every_operation_the_function_may_call(template):
    role = template["Resources"]["ApiHandlerRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    metrics = template["Resources"]["DynamoDBErrorsAlarm"]["Properties"]["Metrics"]
    (expression,) = [m for m in metrics if "Expression" in m]
    assert expression["Expression"] == "SUM(METRICS())" and expression["ReturnData"] is True
    watched = [m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m]
    assert all({"Name": "TableName", "Value": {"Ref": "TodosTable"}} in m["Dimensions"] for m in watched)
    names = {m["MetricName"] for m in watched}
    assert names == {"ReadThrottleEvents", "WriteThrottleEvents", "SystemErrors"}
    operations = {d["Value"] for m in watched for d in m["Dimensions"] if d["Name"] == "Operation"}
    assert {"dynamodb:" + op for op in operations} == {a for a in actions if a.startswith("dynamodb:")}


def dashboard_body(template):
    """The dashboard's widgets as CloudWatch gets them in a stack with every alarm (the access log on, us-east-1)."""
    return created(template, "us-east-1", ApiAccessLog="on")["Resources"]["Dashboard"]["Properties"]["DashboardBody"][
        "Fn::Sub"
    ]


def alarms_shown(body):
    (alarm_widget,) = [w for w in json.loads(body)["widgets"] if w["type"] == "alarm"]
    return {arn.removeprefix("${").removesuffix(".Arn}") for arn in alarm_widget["properties"]["alarms"]}


@pytest.mark.parametrize("access_log", ["on", "off"])
@pytest.mark.parametrize("region", ["us-east-1", "ap-northeast-1"])
def test_the_dashboard_shows_exactly_the_alarms_a_stack_has(template, access_log, region):
    stack = created(template, region, ApiAccessLog=access_log)
    alarms = {name for name, resource in stack["Resources"].items() if resource["Type"] == "AWS::CloudWatch::Alarm"}
    missing = {"GatewayThrottlesAlarm"} if access_log == "off" else set()
    if region != "us-east-1":
        missing.add("CloudFrontErrorRateAlarm")  # CloudFront's metrics exist only in us-east-1
    assert alarms == ALARMS - missing
    assert alarms_shown(stack["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]) == alarms


def test_the_cloudfront_alarm_watches_the_apps_distribution_where_cloudfront_publishes_its_metrics(template):
    properties = template["Resources"]["CloudFrontErrorRateAlarm"]["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/CloudFront", "5xxErrorRate")
    assert properties["Dimensions"] == [
        {"Name": "DistributionId", "Value": {"Ref": "AppDistribution"}},
        {"Name": "Region", "Value": "Global"},
    ]
    assert (properties["Statistic"], properties["Threshold"], properties["ComparisonOperator"]) == (
        "Average",
        5,
        "GreaterThanThreshold",
    )
    (widget,) = [
        w
        for w in json.loads(dashboard_body(template))["widgets"]
        if any(m[0] == "AWS/CloudFront" for m in w["properties"].get("metrics", []))
    ]
    assert widget["properties"]["region"] == "us-east-1"  # a dashboard shows another region's metrics


def test_the_dashboard_shows_every_alarm_and_the_request_rate_with_names_of_this_stack(template):
    body = dashboard_body(template)
    widgets = json.loads(body)["widgets"]
    assert alarms_shown(body) == ALARMS
    metrics = [m for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]]
    assert metrics[0][:2] == ["AWS/ApiGateway", "Count"]
    shown = {tuple(m[:2]) for m in metrics if isinstance(m[0], str)}
    emf = {"Requests", "Latency", "Conflicts", "ColdStarts", "DynamoDBCalls", "DynamoDBRetries"}
    assert {("hobopy", name) for name in emf} <= shown
    assert {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"), ("AWS/ApiGateway", "5XXError")} <= shown
    assert any("ClientErrors" in m[0].get("expression", "") for m in metrics if isinstance(m[0], dict))
    # Every name put in is one the template defines: a resource, an attribute of one, or a pseudo parameter.
    for name in set(SUB.findall(body)):
        assert name.startswith("AWS::") or name.split(".")[0] in template["Resources"], name
    # Every graph but CloudFront's (whose metrics exist only in us-east-1) shows the stack's own region.
    regions = {w["properties"]["title"]: w["properties"].get("region", "${AWS::Region}") for w in widgets}
    assert {title for title, region in regions.items() if region != "${AWS::Region}"} == {
        "Viewers' errors at CloudFront (% of answers)"
    }


def _seen(calls, retries):
    from chalicelib import observability

    seen = observability.Seen()
    seen.dynamodb_calls, seen.dynamodb_retries = calls, retries
    return seen


def test_the_app_metrics_the_dashboard_reads_are_those_the_function_writes(template):
    from chalicelib import observability

    body = dashboard_body(template)
    metrics = [m for w in json.loads(body)["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]
    app_metrics = {m[1] for m in metrics if m[0] == observability.NAMESPACE and not m[1].startswith("GatewayThrottles")}
    written = set(observability.metrics(412, "PreconditionFailed", _seen(2, 1), 1.0, cold=True)) - {"_aws"}
    assert app_metrics <= written
    # The service dimension is the function's name, which Lambda hands the function.
    assert all(m[2:4] == ["service", "${APIHandler}"] for m in metrics if m[0] == "hobopy" and len(m) > 3)


def test_outputs_name_the_alarm_topic_and_the_dashboard(template):
    outputs = template["Outputs"]
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    assert "#dashboards:name=${Dashboard}" in outputs["DashboardUrl"]["Value"]["Fn::Sub"]

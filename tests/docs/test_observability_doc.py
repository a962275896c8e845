"""docs/observability.md tells what the code and the template do: the record, the metrics, the alarms, the queries."""

import json
import re
from pathlib import Path

import pytest

from chalicelib import observability

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "observability.md").read_text(encoding="utf-8")
RESOURCES = json.loads((ROOT / "deploy" / "resources.json").read_text(encoding="utf-8"))["Resources"]


def section(title):
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else len(DOC)]


def table_first_column(text):
    """The first cells of a table's rows, below its header."""
    rows = re.search(r"^\| -.*\n((?:\|.*\n)+)", text, re.MULTILINE)[1]
    return [row.split("|")[1].strip() for row in rows.splitlines()]


def record_fields():
    """Every field a record can have: the code's own, Powertools' and the metrics' members."""
    seen = observability.Seen()
    seen.caller, seen.dynamodb_calls, seen.dynamodb_retries = "sub", 1, 1
    metrics = observability.metrics(412, "PreconditionFailed", seen, 1.0, cold=True) | observability.metrics(
        500, "InternalServerError", seen, 1.0, cold=False
    )
    powertools = {"level", "timestamp", "message", "service", "exception", "exception_name", "stack_trace"}
    request = {"lambda_request_id", "api_request_id", "cold_start", "method", "route", "status", "latency_ms"}
    return set(metrics) | powertools | request | {"caller", "error"}


def test_the_sample_record_has_the_fields_the_code_writes():
    sample = json.loads(re.search(r"```json\n(.*?)```", section("The record"), re.DOTALL)[1])
    assert set(sample) <= record_fields()
    assert sample["_aws"]["CloudWatchMetrics"][0]["Namespace"] == observability.NAMESPACE
    documented = {name.strip("` ") for cell in table_first_column(section("The record")) for name in cell.split(",")}
    assert documented == record_fields() - {"_aws", "message"} - {name for name in record_fields() if name[0].isupper()}


def test_the_metrics_table_names_every_metric_the_function_writes():
    seen = observability.Seen()
    seen.dynamodb_retries = 1
    written = set(observability.metrics(412, "PreconditionFailed", seen, 1.0, cold=True))
    written |= set(observability.metrics(500, "InternalServerError", seen, 1.0, cold=False))
    documented = {cell.strip("`") for cell in table_first_column(section("The metrics"))}
    assert documented == (written - {"_aws", "service", "error"}) | {"GatewayThrottles-<stack>"}


def test_the_alarm_table_names_each_alarm_of_the_template_with_a_meaning_and_a_first_step():
    names = {
        resource["Properties"]["AlarmName"]["Fn::Sub"].replace("${AWS::StackName}", "<stack>")
        for resource in RESOURCES.values()
        if resource.get("Type") == "AWS::CloudWatch::Alarm"
    }
    rows = [row for row in section("Alarms").splitlines() if row.startswith("| `<stack>")]
    assert {row.split("|")[1].strip(" `") for row in rows} == names
    assert all(len([cell for cell in row.split("|")[1:-1] if cell.strip()]) == 4 for row in rows)


QUERIES = re.findall(r"```text\n((?:filter|fields).*?)```", section("Logs Insights"), re.DOTALL)


@pytest.mark.parametrize("query", QUERIES)
def test_the_logs_insights_queries_use_only_fields_a_record_has(query):
    used = set(re.findall(r"\b([a-z_]+)\b(?= *(?:=|>=|,|\)|\n|$| desc| as))", query))
    keywords = {"desc", "as", "by", "count", "avg", "pct", "ispresent", "requests", "answers", "avg_ms", "p99_ms"}
    assert used - keywords <= record_fields(), used - keywords - record_fields()


def test_there_are_three_queries_and_the_layer_named_is_the_templates():
    assert len(re.findall(r"```text\n(?:filter|fields)", section("Logs Insights"))) == 3
    (layer,) = RESOURCES["APIHandler"]["Properties"]["Layers"]
    assert layer["Fn::Sub"] in section("Powertools")

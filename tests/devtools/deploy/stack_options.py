"""The packaged template as CloudFormation would create it for given parameter values: conditions decided."""

import copy
from typing import Any

NO_VALUE = {"Ref": "AWS::NoValue"}


def parameter_values(template: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each parameter's value: ``given``, else its default; an unknown or disallowed value is an error."""
    given = dict(given or {})
    parameters = template.get("Parameters", {})
    unknown = set(given) - set(parameters)
    assert not unknown, f"the template has no parameters {sorted(unknown)}"
    values = {name: given.get(name, spec.get("Default")) for name, spec in parameters.items()}
    for name, value in values.items():
        allowed = parameters[name].get("AllowedValues")
        assert allowed is None or value in allowed, f"{name}={value!r} is not one of {allowed}"
    return values


def decide(condition: Any, values: dict[str, Any], conditions: dict[str, Any]) -> Any:
    """The value of a condition expression (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition, Ref)."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((function, argument),) = condition.items()
        if function == "Ref":
            return values[argument]
        if function == "Condition":
            return decide(conditions[argument], values, conditions)
        if function == "Fn::Equals":
            left, right = (decide(a, values, conditions) for a in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not decide(argument[0], values, conditions)
        if function == "Fn::And":
            return all(decide(a, values, conditions) for a in argument)
        if function == "Fn::Or":
            return any(decide(a, values, conditions) for a in argument)
    return condition


def _resolve_ifs(value: Any, holds: dict[str, bool]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, then, otherwise = value["Fn::If"]
            return _resolve_ifs(then if holds[name] else otherwise, holds)
        resolved = {key: _resolve_ifs(inner, holds) for key, inner in value.items()}
        return {key: inner for key, inner in resolved.items() if inner != NO_VALUE}
    if isinstance(value, list):
        return [item for item in (_resolve_ifs(inner, holds) for inner in value) if item != NO_VALUE]
    return value


def created(template: dict[str, Any], region: str = "ap-northeast-1", **given: Any) -> dict[str, Any]:
    """The template with the resources and outputs whose condition fails left out and every Fn::If decided, as in
    ``region``."""
    values = {**parameter_values(template, given), "AWS::Region": region}
    conditions = template.get("Conditions", {})
    holds = {name: bool(decide(expression, values, conditions)) for name, expression in conditions.items()}
    result = copy.deepcopy(template)
    for section in ("Resources", "Outputs"):
        kept = {k: v for k, v in result.get(section, {}).items() if "Condition" not in v or holds[v["Condition"]]}
        result[section] = _resolve_ifs(kept, holds)
    return result

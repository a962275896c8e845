"""Stops ``chalice deploy`` before it reaches AWS: this app is deployed as one CloudFormation stack.

``chalice deploy`` imports app.py (to read its routes) before it makes any AWS
call, and this module is imported first thing there. ``chalice deploy`` can
create neither the DynamoDB table nor the Cognito user pool the app needs, and
``policy-prod.json`` holds CloudFormation functions that IAM refuses
(MalformedPolicyDocument), so the command could only fail half-way or leave a
stage that cannot work. ``make deploy`` builds the template with ``chalice
package`` and deploys the whole stack.

In Lambda, under ``chalice package``, ``chalice local`` and the tests, Chalice's
command line is not running (``chalice.cli`` is never imported there), so this
costs one dictionary lookup and does nothing.
"""

import sys

MESSAGE = (
    "hobopy: use `make deploy` (from the repository root), not `chalice deploy`: "
    "chalice deploy cannot create the DynamoDB table and the Cognito user pool this app needs; "
    "make deploy deploys them with the API as one CloudFormation stack."
)


def running_chalice_deploy() -> bool:
    """True while Chalice's command line runs its ``deploy`` command."""
    if "chalice.cli" not in sys.modules:
        return False
    import click  # present wherever Chalice's command line runs

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name == "deploy"


def refuse_chalice_deploy() -> None:
    """Exit with one line naming ``make deploy`` when imported by ``chalice deploy``."""
    if running_chalice_deploy():
        raise SystemExit(MESSAGE)


refuse_chalice_deploy()

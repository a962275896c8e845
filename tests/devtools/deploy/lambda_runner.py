"""Invokes the unpacked Lambda handler in a bare interpreter, as the Lambda Python runtime would.

Run as ``python -I -S lambda_runner.py APP_DIR LAYER_DIR BOTO_DIR ANSWERS_FD``: no site-packages, only the unzipped
package, a folder with what the Powertools layer provides and one with boto3 (which the runtime provides), in the
order Lambda puts /var/task, /opt/python and the runtime's own packages on ``sys.path``. Reads one API Gateway proxy
event per stdin line. Standard output is the function's own, as Lambda sends it to CloudWatch Logs; the runner's
answers go to the file descriptor ANSWERS_FD, one JSON line each: first where each module came from, then per event
its Lambda request id, the X-Ray trace header the runtime set for it and the handler's response.
"""

import json
import os
import sys
import uuid

FUNCTION_NAME = "hobopy-test-api"

app_dir, layer_dir, boto_dir, answers_fd = sys.argv[1:5]
sys.path[:0] = [app_dir, layer_dir, boto_dir]
# Lambda names the function in every execution environment; the app trusts the
# authorizer's claims only where it is set. It names its Runtime API too.
os.environ["AWS_LAMBDA_FUNCTION_NAME"] = FUNCTION_NAME
os.environ["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"
answers = os.fdopen(int(answers_fd), "w", encoding="utf-8")

import boto3  # noqa: E402, F401  (imported first, as the runtime has it loaded; its origin is reported)

import app  # noqa: E402


class LambdaContext:
    function_name = FUNCTION_NAME
    memory_limit_in_mb = 256

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return 10_000


def answer(message):
    answers.write(json.dumps(message) + "\n")
    answers.flush()


modules = ("app", "chalice", "boto3", "aws_lambda_powertools")
answer({"origins": {name: getattr(sys.modules.get(name), "__file__", None) for name in modules}, "path": sys.path})
for line in sys.stdin:
    context = LambdaContext()
    # The runtime sets the trace header of each invocation before it calls the handler.
    trace = f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
    os.environ["_X_AMZN_TRACE_ID"] = trace
    response = app.app(json.loads(line), context)
    answer({"aws_request_id": context.aws_request_id, "trace": trace, "response": response})

"""Invokes the unpacked Lambda handler in a bare interpreter, as the Lambda Python runtime would.

Run as ``python -I -S lambda_runner.py APP_DIR LAYER_DIR BOTO_DIR ANSWERS_FD``: no site-packages, only the unzipped
package, a folder with what the Powertools layer provides and one with boto3 (which the runtime provides), in the
order Lambda puts /var/task, /opt/python and the runtime's own packages on ``sys.path``. Reads one API Gateway proxy
event per stdin line. Standard output is the function's own, as Lambda sends it to CloudWatch Logs; the runner's
answers go to the file descriptor ANSWERS_FD, one JSON line each: first where each module came from, then per event
its Lambda request id and the handler's response.
"""

import json
import os
import sys
import uuid

FUNCTION_NAME = "hobopy-test-api"

app_dir, layer_dir, boto_dir, answers_fd = sys.argv[1:5]
sys.path[:0] = [app_dir, layer_dir, boto_dir]
# Lambda names the function in every execution environment; the app trusts the
# authorizer's claims only where it is set.
os.environ["AWS_LAMBDA_FUNCTION_NAME"] = FUNCTION_NAME
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
    answer({"aws_request_id": context.aws_request_id, "response": app.app(json.loads(line), context)})

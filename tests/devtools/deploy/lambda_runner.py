"""Invokes the unpacked Lambda handler in a bare interpreter, as the Lambda Python runtime would.

Run as ``python -I -S lambda_runner.py APP_DIR BOTO_DIR``: no site-packages,
only the unzipped package and a folder with boto3 (which the runtime provides).
Reads one API Gateway proxy event per stdin line and writes one response per
stdout line; the first line says where each module came from.
"""

import json
import os
import sys

FUNCTION_NAME = "hobopy-test-api"

app_dir, boto_dir = sys.argv[1:3]
sys.path[:0] = [app_dir, boto_dir]
# Lambda names the function in every execution environment; the app trusts the
# authorizer's claims only where it is set.
os.environ["AWS_LAMBDA_FUNCTION_NAME"] = FUNCTION_NAME

import boto3  # noqa: E402, F401  (imported first, as the runtime has it loaded; its origin is reported)

import app  # noqa: E402


class LambdaContext:
    function_name = FUNCTION_NAME
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self):
        return 10_000


origins = {name: getattr(sys.modules.get(name), "__file__", None) for name in ("app", "chalice", "boto3")}
print(json.dumps({"origins": origins, "path": sys.path}), flush=True)
for line in sys.stdin:
    print(json.dumps(app.app(json.loads(line), LambdaContext())), flush=True)

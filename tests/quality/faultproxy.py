"""A small HTTP proxy that injects faults: DynamoDB's throttling, late answers, request headers lost on the way."""

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

THROTTLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }
).encode()
# Host is left to http.client, which names the upstream: servers refuse a Host that is not theirs.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "host"}


class FaultProxy:
    """Forwards requests to ``upstream``, except for the faults it is told to inject.

    ``throttle(n)``: the next ``n`` requests get DynamoDB's throttling error
    and never reach the engine. ``answer_late(n, seconds)``: the next ``n``
    requests reach the engine, but their answers are held back.
    ``drop_headers``: request headers removed on the way; ``set_headers``:
    request headers replaced (or added) on the way.
    """

    def __init__(self, upstream, drop_headers=(), set_headers=None):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.set_headers = dict(set_headers or {})
        self.dropped = HOP_BY_HOP | {name.lower() for name in [*drop_headers, *self.set_headers]}
        self.seen = []  # (operation, what happened)
        self._throttle = 0
        self._late = 0
        self._delay = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()

    def throttle(self, count):
        with self._lock:
            self._throttle = count
            self.seen.clear()

    def answer_late(self, count, seconds):
        with self._lock:
            self._late, self._delay = count, seconds
            self.seen.clear()

    def _decide(self, operation):
        with self._lock:
            if self._throttle > 0:
                self._throttle -= 1
                action = "throttled"
            elif self._late > 0:
                self._late -= 1
                action = "late"
            else:
                action = "forwarded"
            self.seen.append((operation, action))
            return action, self._delay

    def _forward(self, method, path, headers, body):
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                action, delay = proxy._decide(operation)
                if action == "throttled":
                    status, headers, body = 400, [("Content-Type", "application/x-amz-json-1.0")], THROTTLED
                else:
                    status, headers, body = proxy._forward(
                        self.command,
                        self.path,
                        {
                            **{k: v for k, v in self.headers.items() if k.lower() not in proxy.dropped},
                            **proxy.set_headers,
                        },
                        body,
                    )
                    if action == "late":
                        time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers:
                        if name.lower() not in HOP_BY_HOP | {"content-length"}:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting, as it should

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _relay

            def log_message(self, *args):
                pass

        return Handler

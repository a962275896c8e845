"""The transport: one request with a timeout, to the API or to the identity provider, and its answer."""

from todoui import account, remote

from page.dom import as_dict

REQUEST_TIMEOUT_MS = 10000


class Reply:
    """An HTTP answer: its status, its headers and its parsed JSON body (None when it has none)."""

    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data

    def header(self, name):
        # Transcrypt turns .get into its dict method; js_get reaches the browser's Headers.get.
        value = self.headers.js_get(name)
        return None if value == None else value  # noqa: E711

    def body(self, status):
        """The JSON object answered with ``status``, or None (another status, or no object)."""
        return as_dict(self.data) if self.status == status else None


def refused(status):
    """A Reply made on this side, for a request that was never sent."""
    return Reply(status, __new__(Headers()), None)


def made(status, data):
    """A Reply made on this side from the device's copy: ``data`` as plain JSON, as an answer carries it."""
    return Reply(status, __new__(Headers()), JSON.parse(JSON.stringify(data)))


def failure_of(reply):
    """What went wrong, as ``remote.describe_failure`` tells it; ``reply`` None: nothing answered."""
    if reply is None:
        return remote.describe_failure(None, None, None)
    return remote.describe_failure(reply.status, as_dict(reply.data), reply.header("Retry-After"))


async def send(method, url, body, version_tag, token=None, none_match=None):
    """One request to the API; a Reply, or None when nothing answered (offline, refused, timed out).

    ``token``: the ID token, sent as API Gateway's Cognito authorizer takes it.
    ``none_match``: ``If-None-Match`` (``*`` creates under the URL's id; a
    list's ``ETag`` is answered 304 while the list is unchanged).
    """
    headers = __new__(Headers())
    headers.set("Accept", "application/json")
    if body is not None:
        headers.set("Content-Type", "application/json")
    if version_tag is not None:
        headers.set("If-Match", version_tag)
    if none_match is not None:
        headers.set("If-None-Match", none_match)
    if token is not None:
        headers.set("Authorization", token)
    return await exchange(method, url, headers, None if body is None else JSON.stringify(body))


async def call_provider(endpoint, operation, body):
    """One call to the identity provider's API (Cognito's JSON protocol); a Reply or None."""
    headers = __new__(Headers())
    headers.set("Content-Type", account.CONTENT_TYPE)
    headers.set("X-Amz-Target", account.target(operation))
    return await exchange("POST", endpoint, headers, JSON.stringify(body))


async def exchange(method, url, headers, text_body):
    # Plain JS objects: a Transcrypt dict is iterable, and fetch would take it for a list of pairs.
    options = Object()
    options.method = method
    options.headers = headers
    options.cache = "no-store"
    if text_body is not None:
        options.body = text_body
    controller = __new__(AbortController())
    options.signal = controller.signal
    timer = setTimeout(lambda: controller.abort(), REQUEST_TIMEOUT_MS)
    try:
        response = await fetch(url, options)
        text = await response.text()
    except:  # noqa: E722 (fetch rejects with JavaScript errors, which no Python class matches)
        return None
    finally:
        clearTimeout(timer)
    data = None
    if len(text) > 0:
        try:
            data = JSON.parse(text)
        except:  # noqa: E722
            data = None
    return Reply(response.status, response.headers, data)

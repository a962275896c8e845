"""The UI server on a folder of files, on a free port, in a thread: for the tests of the server itself."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools.ui.server import make_server


@contextmanager
def serving(folder: Path) -> Iterator[int]:
    """The port of a UI server (dev stage) on ``folder`` while the block runs."""
    server = make_server("127.0.0.1", 0, "http://127.0.0.1:8000/", "dev", folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()

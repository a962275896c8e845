"""Fixtures of the documentation tests."""

from collections.abc import Iterator

import pytest

from devtools.local import engine, supervise


@pytest.fixture
def local_engine(tmp_path) -> Iterator[str]:
    """A fresh dynalite of the test's own, so the table can be called Todos as in db/schema.json.

    Its address is spelled as the pages spell the local engine's, with ``localhost``.
    """
    port = supervise.free_port()
    process = engine.start_dynalite(port, log_path=tmp_path / "dynalite.log")
    try:
        engine.wait_until_serving(f"http://127.0.0.1:{port}", process)
        yield f"http://localhost:{port}"
    finally:
        supervise.stop(process)

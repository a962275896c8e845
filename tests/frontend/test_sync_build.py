"""The service worker as built and served, and the offline and sync logic compiled: the same answers as CPython's."""

import base64
import hashlib
import json
import re
import urllib.request

import pytest
from todoui import conflicts, ids, outbox, shell, sync

from devtools.ui import build
from tests.support.compiled import in_python, run_compiled
from tests.support.uiserver import serving

API = "http://127.0.0.1:8123/"
AUTH = {"userPoolId": "us-east-1_local", "clientId": "client1", "region": "us-east-1"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build.build(api_url=API, out_dir=tmp_path_factory.mktemp("site"), auth=AUTH)


def shell_of(script):
    line = re.search(r"^export var SHELL = (.*);$", script, re.MULTILINE).group(1)
    return json.loads(json.loads(line))


def integrity(body):
    return "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_the_worker_sits_at_the_sites_root_and_imports_the_pages_own_modules(site):
    script = (site / build.WORKER).read_text(encoding="utf-8")
    imported = re.findall(r"^import .* from '([^']+)';$", script, re.MULTILINE)
    assert "./js/org.transcrypt.__runtime__.js" in imported and "./js/todoui.shell.js" in imported
    assert all(name.startswith("./js/") and (site / name).is_file() for name in imported)
    # The worker's own module is not among the page's files.
    assert not (site / "js" / build.WORKER).exists()
    assert shell.WORKER == build.WORKER


def test_the_worker_names_every_file_of_the_build_with_its_hash_and_nothing_else(site):
    files = dict(shell_of((site / build.WORKER).read_text(encoding="utf-8"))["files"])
    served = {
        path.relative_to(site).as_posix()
        for path in site.rglob("*")
        if path.is_file() and path.name != build.WORKER and not any(part.startswith(".") for part in path.parts)
    }
    assert set(files) == served
    assert {"index.html", "config.js", "js/main.js", "css/app.css", "js/todoui.sync.js"} <= set(files)
    for name, digest in files.items():
        assert digest == integrity((site / name).read_bytes()), name


def test_any_changed_file_changes_the_worker_so_browsers_fetch_the_new_build(site):
    files = build.site_files(site)
    before = build.worker_script(files)
    assert build.worker_script(files) == before
    changed = build.worker_script({**files, "css/app.css": files["css/app.css"] + b"\n"})
    assert changed != before
    old, new = shell_of(before.decode()), shell_of(changed.decode())
    assert old["version"] != new["version"]
    assert dict(new["files"])["css/app.css"] != dict(old["files"])["css/app.css"]
    with pytest.raises(build.UIError, match="SHELL"):
        build.worker_script({**files, build.WORKER: b"// no shell line\n"})


def test_the_ui_server_serves_a_worker_naming_its_own_configuration(site):
    with serving(site) as port:
        base = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(base + build.WORKER) as answer:
            script = answer.read().decode("utf-8")
            assert answer.headers["Content-Type"].startswith("text/javascript")
            policy = answer.headers["Content-Security-Policy"]
        with urllib.request.urlopen(base + "config.js") as answer:
            config = answer.read()
    files = dict(shell_of(script)["files"])
    assert files["config.js"] == integrity(config)
    # The worker is a script of the page's own origin: the strict policy allows it as it stands.
    assert "script-src 'self'" in policy and "worker-src" not in policy


MADE = "2026-03-01T09:00:00.000Z"


def todo(todo_id, version=1, **fields):
    return {"id": todo_id, "title": "t", "memo": "", "priority": 3, "completed": False, "version": version, **fields}


def parity_cases():
    """Calls whose answers the browser must agree on, their inputs made by CPython (a record as the page keeps it)."""
    created = outbox.add(outbox.empty(), outbox.CREATE, "n1", {"title": "a", "memo": "", "priority": 3}, None, MADE)
    record = created[0]
    folded = outbox.add(record, outbox.UPDATE, "n1", {"completed": True}, '"0"')[0]
    updated = outbox.add(folded, outbox.UPDATE, "a", {"title": "x"}, '"2"')[0]
    sending = outbox.take_next(updated)[0]
    conflicted = conflicts.conflicted(updated, 2, todo("a", 2), todo("a", 3, memo="m"))[0]
    return [
        ("ids", "uuid7", [1_750_000_000_123, [*range(16), 15, 14, 13]]),
        ("ids", "is_uuid7", ["01977420dc007012b456789abcdef012"]),
        ("ids", "is_uuid7", ["01977420dc007012c456789abcdef012"]),
        ("ids", "id_time", [1_000_000, -600_000]),
        ("ids", "id_time", [1_000_000, None]),
        ("outbox", "add", [outbox.empty(), outbox.CREATE, "n1", {"title": "a"}, None, MADE]),
        ("outbox", "add", [record, outbox.UPDATE, "n1", {"completed": True}, '"0"', None]),
        ("outbox", "add", [folded, outbox.DELETE, "n1", None, '"0"', None]),
        ("outbox", "add", [sending, outbox.DELETE, "n1", None, '"0"', None]),
        ("outbox", "add", [sending, outbox.UPDATE, "n1", {"memo": "m"}, '"0"', None]),
        ("outbox", "view", [[todo("a", 2), todo("b")], updated]),
        ("outbox", "view", [[todo("a")], outbox.add(outbox.empty(), outbox.DELETE, "a", None, '"1"')[0]]),
        ("outbox", "view", [[], outbox.empty()]),
        ("outbox", "restore", [{"seq": 3, "ops": [None, {"kind": "update", "id": "a"}], "conflicts": None}]),
        ("outbox", "restore", [{"seq": True, "ops": []}]),
        ("outbox", "waiting", [conflicted]),
        ("outbox", "take_next", [updated]),
        ("outbox", "take_next", [outbox.empty()]),
        ("outbox", "request_of", [updated["ops"][0], API]),
        ("outbox", "request_of", [updated["ops"][1], API]),
        ("outbox", "after_answer", [{"kind": outbox.CREATE}, 412]),
        ("outbox", "after_answer", [{"kind": outbox.UPDATE}, 404]),
        ("outbox", "after_answer", [{"kind": outbox.DELETE}, None]),
        ("outbox", "after_answer", [{"kind": outbox.UPDATE}, 503]),
        ("outbox", "for_caller", [outbox.WAIT, None]),
        ("outbox", "for_caller", [outbox.CONFLICT, 412]),
        ("outbox", "settle", [sending, 1, todo("n1", 1)]),
        ("outbox", "unmark_all", [sending]),
        ("outbox", "landed", [updated, 1, todo("n1", 1, title="a")]),
        ("conflicts", "conflicted", [updated, 2, todo("a", 2), todo("a", 3, memo="m")]),
        ("conflicts", "conflicted", [updated, 2, todo("a", 2), todo("a", 3, title="x")]),
        ("conflicts", "resolve", [conflicted, 2, True, "new-id"]),
        ("conflicts", "resolve", [conflicted, 2, False, "new-id"]),
        ("conflicts", "differences", [todo("a", due="2026-01-02"), todo("a", priority=5)]),
        ("sync", "changes", [[todo("a"), todo("b"), todo("c")], [todo("c", 2), todo("a"), todo("d")]]),
        ("sync", "same_todo", [todo("a"), todo("a", due=None)]),
        ("sync", "check_due", [True, False, False, 100, 99]),
        ("sync", "check_due", [True, False, False, 100, None]),
        ("sync", "retry_delay", [9]),
        ("sync", "banner_text", [True, 2, 1, False, False]),
        ("sync", "banner_text", [False, 0, 1, False, False]),
        ("sync", "banner_text", [False, 1, 0, False, False]),
        ("sync", "write_target", ["PUT", "http://h/todos/a%2Fb", "http://h/todos"]),
        ("sync", "write_target", ["POST", "http://h/todos", "http://h/todos"]),
        ("sync", "owner_of", [{"sub": "s-1"}]),
        ("sync", "owner_of", [None]),
        ("sync", "restore_list", [{"todos": [todo("a"), None], "etag": '"x"'}]),
        ("sync", "shows_copy", [sync.OFFLINE, False]),
        ("sync", "message_of", [{"owner": "s", "what": sync.CHANGED}]),
        ("sync", "message_of", [{"owner": "s", "what": "x"}]),
        ("sync", "conflict_view", [conflicted["conflicts"][0]]),
        ("sync", "conflict_view", [{"seq": 1, "id": "a", "kind": "delete", "mine": None, "theirs": todo("a")}]),
        ("sync", "kept_text", [conflicted["conflicts"][0], True]),
        ("shell", "shell_path", ["https://a.example/?x=1", "https://a.example/", ["index.html"], True]),
        ("shell", "shell_path", ["https://a.example/js/main.js", "https://a.example/", ["js/main.js"], False]),
        ("shell", "shell_path", ["https://a.example/api/todos", "https://a.example/", ["js/main.js"], False]),
        ("shell", "stale_caches", [[shell.cache_name("a"), shell.cache_name("b"), "x"], shell.cache_name("b")]),
    ]


def test_the_compiled_offline_and_sync_logic_gives_the_same_answers_as_cpython(site, tmp_path):
    cases = parity_cases()
    modules = {"ids": ids, "outbox": outbox, "conflicts": conflicts, "sync": sync, "shell": shell}
    in_browser = run_compiled(site / "js", cases, list(modules), tmp_path)
    differences = [
        (case, py, js_) for case, py, js_ in zip(cases, in_python(cases, modules), in_browser, strict=True) if py != js_
    ]
    assert differences == []

"""Building the UI: Transcrypt compiles it, the output is complete, and the compiled logic behaves like CPython's."""

import json
import re
import shutil

import pytest
from todoui import account, dates, flows, model, order, remote, views

from devtools.ui import build
from tests.support.compiled import in_python, run_compiled

API = "http://127.0.0.1:8123/"
AUTH = {
    "userPoolId": "us-east-1_local",
    "clientId": "client1",
    "region": "us-east-1",
    "endpoint": "http://127.0.0.1:8124",
}
EXPECTED_FILES = [
    "config.js",
    "config.json",
    "css/app.css",
    "css/bootstrap-used.css",
    "favicon.svg",
    "index.html",
    "js/main.js",
    "js/org.transcrypt.__runtime__.js",
    "js/page.auth_dialog.js",
    "js/page.dom.js",
    "js/page.http.js",
    "js/page.notices.js",
    "js/page.session.js",
    "js/page.todo_dialog.js",
    "js/page.todo_list.js",
    "js/todoui.account.js",
    "js/todoui.dates.js",
    "js/todoui.flows.js",
    "js/todoui.model.js",
    "js/todoui.order.js",
    "js/todoui.remote.js",
    "js/todoui.texts.js",
    "js/todoui.views.js",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build.build(api_url=API, out_dir=tmp_path_factory.mktemp("site"), auth=AUTH)


def test_the_build_compiles_the_ui_and_holds_every_file_the_page_loads(site):
    built = sorted(path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file())
    assert [name for name in EXPECTED_FILES if name not in built] == []
    page = (site / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
    references = [name for name in re.findall(r'(?:src|href)="([^"]*)"', page) if name not in preloaded]
    assert sorted(references) == ["config.js", "css/app.css", "css/bootstrap-used.css", "favicon.svg", "js/main.js"]


def test_the_page_preloads_every_module_the_build_writes_and_no_other(site):
    """Without the list a phone waits for one level of imports after another; a module missing from it still loads."""
    page = (site / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="js/([^"]+)">', page)
    built = [path.name for path in (site / "js").glob("*.js") if path.name != "main.js"]
    assert sorted(preloaded) == sorted(built)


def test_the_page_carries_its_policy_for_static_hosts_that_send_no_headers(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    assert policy == build.content_security_policy(API, in_page=True, auth=AUTH)
    assert "connect-src http://127.0.0.1:8123 http://127.0.0.1:8124;" in policy
    assert "frame-ancestors" not in policy


def test_the_built_config_carries_the_api_url_and_the_identity_provider(site):
    assert json.loads((site / "config.json").read_text()) == {"apiUrl": API, "stage": "dev", "auth": AUTH}
    assert (site / "config.js").read_text().startswith("window.hobopyConfig = Object.freeze({")


def test_a_second_build_with_nothing_changed_rewrites_nothing(site):
    before = {path: path.stat().st_mtime_ns for path in site.rglob("*") if path.is_file()}
    assert build.compile_sources(site / "js") is False
    build.build(api_url=API, out_dir=site, auth=AUTH)
    after = {path: path.stat().st_mtime_ns for path in site.rglob("*") if path.is_file()}
    assert after == before


def test_a_compile_error_is_reported_with_transcrypts_words(tmp_path, monkeypatch):
    source = tmp_path / "src"
    shutil.copytree(build.SOURCE_DIR, source)
    (source / "todoui" / "model.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(build, "SOURCE_DIR", source)
    with pytest.raises(build.UIError, match="Transcrypt could not compile the UI"):
        build.compile_sources(tmp_path / "js")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_calls_its_api_under_api_on_the_pages_own_origin(stage):
    assert build.api_url_for(stage) == "/api/"
    assert build.api_url_for("prod", "https://abc.execute-api.ap-northeast-1.amazonaws.com/api") == (
        "https://abc.execute-api.ap-northeast-1.amazonaws.com/api/"
    )


def test_a_placeholder_api_url_is_refused():
    with pytest.raises(build.UIError, match="placeholder"):
        build.normalize_api_url("https://REPLACE-WITH-API-ID.execute-api.us-east-1.amazonaws.com/api/")


@pytest.mark.parametrize("url, normal", [("/api/", "/api/"), ("/api", "/api/"), ("/v1/api/", "/v1/api/")])
def test_a_path_names_the_api_on_the_pages_own_origin(url, normal):
    assert build.normalize_api_url(url) == normal


@pytest.mark.parametrize(
    "url", ["", "127.0.0.1:8000", "ftp://h/", "http:///x", "http://h/?a=1", "api/", "//h/api/", "/api/?a=1", "/api/#x"]
)
def test_an_api_url_that_is_neither_an_absolute_http_url_nor_a_path_is_refused(url):
    with pytest.raises(build.UIError):
        build.normalize_api_url(url)


def test_an_api_on_the_pages_own_origin_is_self_in_the_policy():
    local = {"userPoolId": "us-east-1_X", "clientId": "c", "region": "us-east-1", "endpoint": "http://127.0.0.1:8003"}
    assert "connect-src 'self' http://127.0.0.1:8003;" in build.content_security_policy("/api/", auth=local)
    deployed = {"userPoolId": "ap-northeast-1_X", "clientId": "c", "region": "ap-northeast-1"}
    policy = build.content_security_policy("/api/", auth=deployed)
    assert "connect-src 'self' https://cognito-idp.ap-northeast-1.amazonaws.com;" in policy


def test_the_policy_allows_only_the_pages_own_files_and_requests_to_the_api_and_the_provider():
    deployed = {"userPoolId": "ap-northeast-1_X", "clientId": "c", "region": "ap-northeast-1"}
    policy = build.content_security_policy("https://abc.example:8443/api/", auth=deployed)
    assert "connect-src https://abc.example:8443 https://cognito-idp.ap-northeast-1.amazonaws.com;" in policy
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy
    assert "connect-src https://abc.example:8443;" in build.content_security_policy("https://abc.example:8443/")


def test_the_dev_provider_comes_from_the_apis_dev_stage_and_options_win(tmp_path, monkeypatch):
    chalice = tmp_path / "config.json"
    variables = {
        "AUTH_LOCAL_ENDPOINT": "http://127.0.0.1:8003",
        "AUTH_USER_POOL_ID": "us-east-1_Pool",
        "AUTH_CLIENT_ID": "client9",
        "ANONYMOUS_OWNER": "demo",
    }
    chalice.write_text(json.dumps({"stages": {"dev": {"environment_variables": variables}}}))
    monkeypatch.setattr(build, "CHALICE_CONFIG", chalice)
    assert build.auth_for("dev") == {
        "userPoolId": "us-east-1_Pool",
        "clientId": "client9",
        "region": "us-east-1",
        "endpoint": "http://127.0.0.1:8003",
    }
    moved = build.auth_for("dev", endpoint="http://127.0.0.1:9003", client_id="other", region="eu-west-1")
    assert moved == {
        "userPoolId": "us-east-1_Pool",
        "clientId": "other",
        "region": "eu-west-1",
        "endpoint": "http://127.0.0.1:9003",
    }
    with pytest.raises(build.UIError, match="endpoint"):
        build.auth_for("dev", endpoint="127.0.0.1:9003")
    chalice.write_text(json.dumps({"stages": {"dev": {"environment_variables": {}}}}))
    assert build.auth_for("dev") is None


def test_the_prod_provider_placeholders_are_refused_until_the_deployer_fills_them(tmp_path, monkeypatch):
    with pytest.raises(build.UIError, match="placeholder"):
        build.auth_for("prod")
    filled = build.auth_for("prod", user_pool_id="ap-northeast-1_Abc", client_id="c1", region="ap-northeast-1")
    assert filled == {"userPoolId": "ap-northeast-1_Abc", "clientId": "c1", "region": "ap-northeast-1"}
    monkeypatch.setattr(build, "CONFIG_DIR", tmp_path)
    (tmp_path / "prod.json").write_text(
        json.dumps(
            {
                "apiUrl": "https://a.example/",
                "auth": {"userPoolId": "eu-west-1_A", "clientId": "c", "endpoint": "http://127.0.0.1:8003"},
            }
        )
    )
    with pytest.raises(build.UIError, match=r"remove auth\.endpoint"):
        build.auth_for("prod")
    (tmp_path / "prod.json").write_text(json.dumps({"apiUrl": "https://a.example/"}))
    with pytest.raises(build.UIError, match="needs an object auth"):
        build.auth_for("prod")


# Calls whose results the browser must agree on: the places where JavaScript
# and Python differ (truth of empty lists, UTF-16 strings, bool vs int, sort).
SEED_LIKE = [
    {"id": "L6", "title": "サイド", "memo": "", "priority": 2, "completed": False},
    {
        "id": "new",
        "title": "新",
        "memo": "m",
        "priority": 5,
        "completed": False,
        "createdAt": "2025-02-01T00:00:00.000Z",
        "version": 2,
    },
    {"id": "L5", "title": "プロフ", "memo": "", "priority": 3, "completed": False},
    {
        "id": "done",
        "title": "済",
        "memo": "",
        "priority": 5,
        "completed": True,
        "createdAt": "2025-03-01T00:00:00.000Z",
    },
    {
        "id": "old",
        "title": "古",
        "memo": "",
        "priority": 5,
        "completed": False,
        "createdAt": "2024-02-01T00:00:00.000Z",
    },
    {"id": "L7", "title": "リスト", "memo": "", "priority": 3, "completed": False},
]
PLACED = [
    {"id": "a", "title": "Milk", "memo": "", "priority": 2, "completed": False, "position": "V", "due": "2026-03-09"},
    {
        "id": "b",
        "title": "牛乳",
        "memo": "\uff2d\uff29\uff2c\uff2b",
        "priority": 5,
        "completed": False,
        "position": "W",
    },
    {"id": "c", "title": "c", "memo": "", "priority": 3, "completed": False, "due": "2026-03-01"},
    {"id": "d", "title": "d", "memo": "", "priority": 3, "completed": False},
    {"id": "e", "title": "e", "memo": "", "priority": 1, "completed": True, "position": "U", "due": "2026-03-01"},
]
PARITY_CASES = [("model", "priority_label", [value]) for value in (1, 3, 5, 0, 6, True, False, "3", None, 2.5)] + [
    ("model", "priority_options", []),
    ("model", "sort_todos", [SEED_LIKE]),
    ("model", "sort_todos", [[]]),
    ("model", "row_view", [SEED_LIKE[1]]),
    ("model", "row_view", [{"id": "x"}]),
    ("model", "summary_text", [[]]),
    ("model", "summary_text", [SEED_LIKE]),
    ("model", "count_chars", ["𩸽を食べる🍣"]),
    ("model", "counter_text", ["", 200]),
    ("model", "field_hints", [{"title": "", "memo": "", "priority": "3", "due": ""}]),
    ("model", "field_hints", [{"title": " \t", "memo": "め" * 2001, "priority": "3", "due": ""}]),
    ("model", "field_hints", [{"title": "𩸽" * 200, "memo": "", "priority": "3", "due": ""}]),
    ("model", "field_hints", [{"title": "あ" * 201, "memo": "", "priority": "3", "due": ""}]),
    ("model", "form_values", [None]),
    ("model", "form_values", [SEED_LIKE[1]]),
    ("model", "form_values", [{"id": "x", "priority": True}]),
    ("model", "new_todo_body", [{"title": " 空白 ", "memo": "<b>", "priority": "4", "due": ""}]),
    ("model", "new_todo_body", [{"title": "t", "memo": "", "priority": "high", "due": "2026-03-05"}]),
    ("model", "changed_fields", [SEED_LIKE[1], {"title": "新", "memo": "m", "priority": "5", "due": ""}]),
    ("model", "changed_fields", [SEED_LIKE[1], {"title": "新2", "memo": "m", "priority": "1", "due": "2026-03-05"}]),
    ("model", "changed_fields", [PLACED[0], {"title": "a", "memo": "", "priority": "3", "due": ""}]),
    ("model", "restore_body", [PLACED[0]]),
    ("model", "field_problem", ["due", "2024-02-29"]),
    ("model", "field_problem", ["due", "2026-02-29"]),
    ("model", "restore_body", [SEED_LIKE[3]]),
    ("model", "upsert", [SEED_LIKE[:2], {"id": "L6", "title": "changed"}]),
    ("model", "upsert", [[], {"id": "a"}]),
    ("model", "without", [SEED_LIKE, "L5"]),
    ("model", "find", [SEED_LIKE, "nope"]),
    ("views", "neighbour_id", [SEED_LIKE, "L6"]),
    ("views", "neighbour_id", [SEED_LIKE, "new"]),
    ("views", "neighbour_id", [[{"id": "only"}], "only"]),
    ("views", "sort_todos", [PLACED, "own"]),
    ("views", "sort_todos", [PLACED, "due"]),
    ("views", "sort_todos", [PLACED, "priority"]),
    ("views", "next_id", [PLACED, "c", "own"]),
    ("views", "visible", [PLACED, "own", "today", [], "2026-03-05"]),
    ("views", "visible", [PLACED, "due", "completed", [], "2026-03-05"]),
    ("views", "visible", [PLACED, "own", "all", ["\uff4d\uff49\uff4c\uff4b"], "2026-03-05"]),
    ("views", "search_words", [" Milk\u3000\uff2d\uff29\uff2c\uff2b\tΣ𩸽 "]),
    ("views", "today_count", [PLACED, "2026-03-05"]),
    ("views", "status_text", [PLACED, 2, "today", []]),
    ("views", "status_text", [PLACED, 0, "all", ["x"]]),
    ("views", "row_view", [PLACED[1], "2026-03-05"]),
    ("views", "moved_text", [PLACED, "b"]),
    ("views", "chosen", [None, views.SORTS, "own"]),
    ("views", "sort_options", []),
    ("views", "caption", ["due"]),
    ("dates", "parts", ["2024-02-29"]),
    ("dates", "parts", ["2023-02-29"]),
    ("dates", "parts", [None]),
    ("dates", "date_text", [7, 3, 5]),
    ("dates", "weekday", [2026, 1, 1]),
    ("dates", "next_day", ["2026-12-31"]),
    ("dates", "due_text", [PLACED[0], "overdue", "2026-03-15"]),
    ("dates", "due_text", [PLACED[0], "later", "2025-03-05"]),
    ("dates", "due_state", [PLACED[3], "2026-03-05"]),
    ("order", "key_between", [None, None]),
    ("order", "key_between", ["V", "W"]),
    ("order", "key_between", ["0z", "1"]),
    ("order", "key_between", ["zz", None]),
    ("order", "key_between", [None, "01"]),
    ("order", "key_between", ["W", "V"]),
    ("order", "is_position", ["a" * 65]),
    ("order", "is_position", ["V0"]),
    ("order", "own_order", [PLACED]),
    ("order", "place", [PLACED, "d", "a"]),
    ("order", "place", [PLACED, "a", None, "b"]),
    ("order", "place", [PLACED, "c", "d"]),
    (
        "order",
        "place",
        [[{"id": "a", "position": "V" * 63 + "1"}, {"id": "b", "position": "V" * 63 + "2"}, {"id": "c"}], "c", "a"],
    ),
    ("order", "spread_keys", [100]),
    ("order", "moved", [PLACED[0], "Z"]),
    ("order", "new_position", [PLACED[:2]]),
    ("order", "move_target", [PLACED, "b", 0]),
    ("order", "move_target", [PLACED, "e", 0]),
    ("order", "drop_slot", [[1.5, 20, 40.25], 30]),
    ("order", "landing_slot", [["a", "b", "c"], {"after": None, "before": "b"}, 2]),
    ("order", "shift_of", [1, 2, 0]),
    ("order", "key_step", ["ArrowDown", True]),
    ("remote", "collection_url", ["http://127.0.0.1:8000"]),
    ("remote", "item_url", ["http://h/api/", "a/b?c#d 𩸽é"]),
    ("remote", "next_link", [None]),
    ("remote", "next_link", ['</a>; rel="prev", </todos?limit=2&cursor=eyJ>; rel="next"']),
    ("remote", "next_link", ['</a?x=1,2>; title="a, b; c"; rel="prev next"']),
    ("remote", "next_link", ['</a>; rel="nextpage"']),
    ("remote", "resolve", ["https://h.example/api/todos?cursor=a", "/api/todos?cursor=b"]),
    ("remote", "resolve", ["https://h.example/api/todos", "todos?cursor=b"]),
    ("remote", "resolve", ["https://h.example/api/todos", "//o.example/p"]),
    ("remote", "version_tag", [{"version": 7}]),
    ("remote", "version_tag", [{}]),
    ("remote", "version_tag", [{"version": True}]),
    ("remote", "api_message", [{"Code": "BadRequestError", "Message": "BadRequestError: memo must be a string."}]),
    ("remote", "api_message", [None]),
    ("remote", "field_named", ["priority must be an integer from 1 to 5."]),
    ("remote", "field_named", ["nothing to update"]),
    ("remote", "retry_seconds", ["3"]),
    ("remote", "retry_seconds", ["Wed, 21 Oct 2015 07:28:00 GMT"]),
    ("remote", "describe_failure", [400, {"Code": "X", "Message": "X: bad"}, None]),
    ("remote", "describe_failure", [503, None, "2"]),
    ("remote", "describe_failure", [None, None, None]),
    ("remote", "describe_failure", [418, None, None]),
    ("remote", "describe_failure", [401, None, None]),
    ("account", "provider_settings", [AUTH]),
    ("account", "provider_settings", [{"clientId": "c", "userPoolId": "p"}]),
    ("account", "provider_settings", [None]),
    ("account", "endpoint_url", [{"region": "ap-northeast-1", "endpoint": None}]),
    ("account", "target", ["SignUp"]),
    ("account", "sign_up_request", ["c", " a@example.com ", "Pw1"]),
    ("account", "confirm_request", ["c", "a@example.com", " 12 "]),
    ("account", "password_request", ["c", "a@example.com", "Pw1"]),
    ("account", "refresh_request", ["c", "r"]),
    (
        "account",
        "new_password_request",
        ["c", {"Session": "s", "ChallengeParameters": {"USERNAME": "u"}, "email": "a@b"}, "New-passw0rd"],
    ),
    ("account", "new_password_request", ["c", {"Session": "s", "email": " a@b "}, "New-passw0rd"]),
    ("account", "form_problem", ["new-password", {"email": "", "password": "short", "code": ""}]),
    ("account", "dialog_text", ["new-password"]),
    ("account", "form_problem", ["sign-up", {"email": "a@b", "password": "short", "code": ""}]),
    ("account", "form_problem", ["sign-in", {"email": "a b@c", "password": "x", "code": ""}]),
    ("account", "form_problem", ["confirm", {"email": "", "password": "", "code": " "}]),
    ("account", "error_name", [None, "UserNotConfirmedException:http://internal.amazon.com/"]),
    ("account", "error_name", [{"__type": "com.amazonaws#CodeMismatchException"}, None]),
    ("account", "describe_failure", [400, {"__type": "UsernameExistsException"}, None, False]),
    ("account", "describe_failure", [400, {"__type": "NotAuthorizedException"}, None, True]),
    ("account", "describe_failure", [400, {"__type": "UserNotConfirmedException"}, None, False]),
    ("account", "describe_failure", [400, {"__type": "Odd"}, None, False]),
    ("account", "describe_failure", [None, None, None, False]),
    ("account", "token_payload", ["eyJ.eyJzdWIiOiIxIiwiZW1haWwiOiJhQGIifQ.sig"]),
    ("account", "token_payload", ["eyJ.a-_b.sig"]),
    ("account", "token_payload", ["a.b!.c"]),
    ("account", "token_payload", [None]),
    (
        "account",
        "start_session",
        [
            {"AuthenticationResult": {"IdToken": "i", "RefreshToken": "r", "ExpiresIn": 3600}},
            {"email": "a@b"},
            1750000000.5,
        ],
    ),
    (
        "account",
        "start_session",
        [
            {"AuthenticationResult": {"IdToken": "i", "ExpiresIn": 100}},
            None,
            10,
            {"idToken": "o", "refreshToken": "r", "expiresAt": 1, "refreshAt": 1, "email": "e"},
        ],
    ),
    (
        "account",
        "start_session",
        [{"AuthenticationResult": {"IdToken": "i", "RefreshToken": "r", "ExpiresIn": True}}, {}, 0],
    ),
    ("account", "start_session", [{"ChallengeName": "NEW_PASSWORD_REQUIRED"}, None, 0]),
    (
        "account",
        "start_session",
        [
            {"AuthenticationResult": {"IdToken": "i", "RefreshToken": "r", "ExpiresIn": 60}},
            {"email": "c"},
            0,
            None,
            "t",
        ],
    ),
    ("account", "restore_session", [{"idToken": "i", "refreshToken": "r", "expiresAt": 5.5, "refreshAt": 2}]),
    ("account", "restore_session", [{"idToken": "i", "refreshToken": "r", "expiresAt": "5", "refreshAt": 2}]),
    ("account", "refresh_delay", [{"refreshAt": 1750000300.25}, 1750000000]),
    ("account", "refresh_delay", [{"refreshAt": 5}, 10]),
    ("account", "usable", [{"expiresAt": 100}, 69]),
    ("account", "usable", [{"expiresAt": 100}, 70]),
    ("account", "usable", [None, 0]),
    ("account", "who_text", [{"email": "a@example.com"}, False]),
    ("account", "who_text", [None, True]),
    ("account", "dialog_text", ["confirm"]),
    ("model", "is_blank", [" \u200b\u3000\U000e0020\u0085"]),
    ("model", "is_blank", ["\u200bx"]),
    ("model", "refused_character", ["ok\U0001f600\u202e", False]),
    ("model", "refused_character", ["a\tb\nc", True]),
    ("model", "refused_character", ["a\tb", False]),
    ("model", "refused_character", ["lone \ud800", True]),
    ("model", "field_problem", ["title", "\u2060\ufeff"]),
    ("model", "field_problem", ["title", "𩸽" * 200]),
    ("model", "field_problem", ["title", "𩸽" * 201]),
    ("model", "field_problem", ["memo", "\x7f"]),
    ("model", "field_problem", ["priority", "0"]),
    ("model", "field_problem", ["priority", 5]),
    ("model", "field_problem", ["priority", True]),
    ("model", "field_problem", ["title", 3]),
    ("model", "body_problem", [{"memo": "ok", "priority": 2}]),
    ("model", "body_problem", [{"title": "\u3000", "memo": "\x01"}]),
    ("model", "field_hints", [{"title": "\u200b", "memo": "\x1b", "priority": "3", "due": ""}]),
    ("model", "rule_text", ["completed"]),
    ("remote", "refusal_text", ["title must contain at least one non-whitespace character."]),
    ("remote", "refusal_text", ["memo must not contain control characters."]),
    ("remote", "refusal_text", ['priority must be an integer from 1 to 5 (or "1" to "5").']),
    ("remote", "refusal_text", ["the request body must be a JSON object."]),
    ("remote", "describe_failure", [400, {"Code": "BadRequestError", "Message": "BadRequestError: memo is required."}]),
    ("remote", "describe_failure", [413, None, None]),
    ("account", "dialog_text", ["sign-up", True]),
    ("account", "form_problem", ["confirm", {"email": "", "password": "", "code": ""}, True]),
    ("flows", "page_settings", [{"apiUrl": API, "auth": AUTH, "stage": "dev"}]),
    ("flows", "page_settings", [{"apiUrl": API, "auth": AUTH, "stage": "prod"}]),
    ("flows", "after_sign_up", [{"UserConfirmed": False}, None, "a@b", True]),
    ("flows", "after_sign_in", [None, {"kind": "needs-code", "text": "t"}, True]),
    ("flows", "offers_resend", [True]),
    ("flows", "after_resend", [None, "a@b"]),
    ("flows", "notice_seconds", [True]),
    ("flows", "notice_seconds", [True, True]),
    ("flows", "page_settings", [{"auth": AUTH}]),
    ("flows", "page_settings", [None]),
    ("flows", "page_step", [1, True, '</todos?cursor=a>; rel="next"']),
    ("flows", "page_step", [1, True, None]),
    ("flows", "page_step", [flows.MAX_PAGES, True, '</todos?cursor=a>; rel="next"']),
    ("flows", "page_step", [2, False, None]),
    ("flows", "list_failure_text", [401]),
    ("flows", "list_failure_text", [None]),
    ("flows", "row_failure_step", [{"kind": "missing"}]),
    ("flows", "row_failure_step", [{"kind": "stale"}]),
    ("flows", "save_failure_step", [{"kind": "stale"}, True]),
    ("flows", "save_failure_step", [{"kind": "missing"}, True]),
    ("flows", "save_failure_step", [{"kind": "missing"}, False]),
    ("flows", "after_reload", [None]),
    ("flows", "save_failure_text", ["reload-and-keep", {"text": "x"}]),
    ("flows", "on_unauthorized", [True, False]),
    ("flows", "on_unauthorized", [False, True]),
    ("flows", "after_refresh", [{"kind": "retry"}, None]),
    ("flows", "after_refresh", [None, None]),
    ("flows", "after_sign_up", [{"UserConfirmed": False}, None, " a@b "]),
    ("flows", "after_sign_up", [{"UserConfirmed": True}, None, "a@b"]),
    ("flows", "after_sign_up", [None, {"name": "UsernameExistsException", "text": "t"}, "a@b"]),
    ("flows", "after_confirm", [None]),
    ("flows", "after_sign_in", [{"ChallengeName": "NEW_PASSWORD_REQUIRED"}, None]),
    ("flows", "after_sign_in", [None, {"kind": "needs-code", "text": "t"}]),
    ("flows", "after_sign_in", [{"AuthenticationResult": {}}, None]),
    ("flows", "after_new_password", [{"name": "NotAuthorizedException", "text": "t"}]),
]


def test_the_compiled_logic_gives_the_same_answers_as_cpython(site, tmp_path):
    modules = {
        "model": model,
        "remote": remote,
        "account": account,
        "flows": flows,
        "views": views,
        "dates": dates,
        "order": order,
    }
    in_browser = run_compiled(site / "js", PARITY_CASES, list(modules), tmp_path)
    differences = [
        (case, py, js_)
        for case, py, js_ in zip(PARITY_CASES, in_python(PARITY_CASES, modules), in_browser, strict=False)
        if py != js_
    ]
    assert differences == []

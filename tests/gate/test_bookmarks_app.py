"""The gate on a plain Flask app with a hand-written YAML spec whose API key goes in the query.

`--api-key-env` puts the key where the spec's `apiKey` scheme says (`api_key` in the query) and picks,
of the two schemes declared, the one the operations use; `--peer-api-key-env` is the second identity.
The same API made public runs with `--auth none`; the default sign-in hook, which knows only our own
paths, stops with a message that names the options that need no code.
"""

from __future__ import annotations

import json

import pytest
import yaml

from contract_tests import GateReport
from contract_tests.cli import main
from tests.gate.bookmarks_app import KEYS, PLANTED_BUGS, SPEC, create_app, public_spec
from tests.gate.fixture_gate import SEED, assert_caught, describe, fast_gate

BOOKMARKS = "tests.gate.bookmarks_app"
EXPECTED = {
    "any-key-reads-any-bookmark": ("object_level_authorization", {"GET /bookmarks/{bookmark_id}"}),
    "list-ignores-key": ("ignored_auth", {"GET /bookmarks"}),
    "crash-on-longest-url": ("not_a_server_error", {"POST /bookmarks"}),
}


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    first, second = KEYS
    monkeypatch.setenv("CAT_KEY", first)
    monkeypatch.setenv("DOG_KEY", second)


def bookmarks_gate(bug: str | None = None, spec=SPEC, **options) -> GateReport:
    keys = {"api_key_env": "CAT_KEY", "peer_api_key_env": "DOG_KEY"}
    return fast_gate(lambda: create_app(bug), spec, **keys, **options)


def test_every_planted_bug_has_an_expectation():
    assert set(EXPECTED) == set(PLANTED_BUGS)


def test_an_api_key_in_the_query_passes_from_the_command_line(tmp_path, capsys):
    reports = tmp_path / "reports"
    argv = [
        "run",
        f"--app={BOOKMARKS}:create_app",
        f"--spec={SPEC}",
        "--api-key-env=CAT_KEY",
        "--peer-api-key-env=DOG_KEY",
        "--profile=fast",
        f"--seed={SEED}",
        f"--reports={reports}",
    ]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Auth: static credentials query api_key (--api-key-env CAT_KEY) on every request" in out
    assert "second identity for object-level checks from --peer-api-key-env DOG_KEY" in out
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    observed = {row["operation"]: row["observed"] for row in summary["coverage"]}
    # The key got through (200/201), and ignored_auth saw the 401 without it.
    assert {200, 401} <= set(observed["GET /bookmarks"]) and 201 in observed["POST /bookmarks"]
    assert not any(key in out for key in KEYS)
    assert "--api-key-env CAT_KEY" in out  # the rerun line names the variables


@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_each_planted_bug_fails_with_its_check(bug):
    assert_caught(bookmarks_gate(bug), *EXPECTED[bug])


def test_schemes_the_operations_both_use_are_ambiguous_until_one_is_chosen(tmp_path, capsys):
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    document["paths"]["/bookmarks"]["get"]["security"] = [{"LegacyKey": []}]
    spec = tmp_path / "two-schemes.yaml"
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    argv = ["run", f"--app={BOOKMARKS}:create_app", f"--spec={spec}", "--api-key-env=CAT_KEY"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "use several `apiKey` schemes (LegacyKey, QueryKey); choose one with --security-scheme" in err
    report = bookmarks_gate(spec=spec, security_scheme="LegacyKey", phases=("examples",))
    assert report.auth.startswith("static headers X-Legacy-Key (--api-key-env CAT_KEY)")


def test_a_scheme_the_spec_does_not_declare_exits_2(capsys):
    argv = [
        "run",
        f"--app={BOOKMARKS}:create_app",
        f"--spec={SPEC}",
        "--api-key-env=CAT_KEY",
        "--security-scheme=Nope",
    ]
    assert main(argv) == 2
    assert "its securitySchemes are: QueryKey (apiKey), LegacyKey (apiKey)" in capsys.readouterr().err


def test_a_peer_without_a_first_identity_exits_2(capsys):
    argv = ["run", f"--app={BOOKMARKS}:create_app", f"--spec={SPEC}", "--peer-api-key-env=DOG_KEY"]
    assert main(argv) == 2
    assert "give the first with --api-key-env too" in capsys.readouterr().err


def test_a_public_api_passes_with_no_auth(tmp_path):
    spec = tmp_path / "public.json"
    spec.write_text(json.dumps(public_spec()), encoding="utf-8")
    report = fast_gate(f"{BOOKMARKS}:create_public_app", spec, auth="none")
    assert report.ok, describe(report)
    assert report.auth == "none (--auth none)"


def test_the_default_hook_on_another_api_exits_2_naming_the_options_without_code(capsys):
    assert main(["run", f"--app={BOOKMARKS}:create_app", f"--spec={SPEC}", "--profile=fast"]) == 2
    err = capsys.readouterr().err
    assert "could not register: POST /api/auth/register answered 404" in err
    assert "--bearer-env, --api-key-env or --oauth2-password-env" in err

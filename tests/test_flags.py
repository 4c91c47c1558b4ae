"""Feature flags: recognition (resilint.flags), the manifest, REL301-REL305 through
the real CLI, and ``resilint flags``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import FIXTURES, run_resilint

from resilint.checks.flags.sdks import FlagEvaluation, FlagKey, recognize, static_key
from resilint.config.settings import Config, parse_config
from resilint.engine.names import NameResolver
from resilint.engine.walk import walk

FLAG_FIXTURES = FIXTURES / "rules" / "flags"


# -- recognition -----------------------------------------------------------------------


def evaluations(source: str, config: Config | None = None) -> list[tuple[FlagEvaluation, FlagKey | None, cst.Module]]:
    """Every evaluation in ``source``, with its static key, walking as the engine does."""
    module = cst.parse_module(textwrap.dedent(source))
    names = NameResolver(module)
    config = config or Config(root=Path("."))
    found: list[tuple[FlagEvaluation, FlagKey | None, cst.Module]] = []

    def enter(node: cst.CSTNode) -> None:
        names.enter(node)
        if isinstance(node, cst.Call):
            evaluation = recognize(node, names, config)
            if evaluation is not None:
                found.append((evaluation, static_key(evaluation, names), module))

    walk(module, enter, names.leave)
    return found


def code(module: cst.Module, node: cst.CSTNode | None) -> str | None:
    return None if node is None else module.code_for_node(node)


@pytest.mark.parametrize(
    "source,sdk,method",
    [
        ("from openfeature import api\napi.get_client().get_boolean_value('k', False)", "openfeature", "get_boolean_value"),
        ("import openfeature.api\nc = openfeature.api.get_client()\nc.get_string_details('k', 'x')", "openfeature", "get_string_details"),
        ("from openfeature.api import get_client as gc\nasync def f():\n    c = gc('dom')\n    await c.get_object_value_async('k', {})", "openfeature", "get_object_value_async"),
        ("import ldclient\nldclient.get().variation('k', ctx, False)", "launchdarkly", "variation"),
        ("from ldclient import LDClient\nclass A:\n    def __init__(self):\n        self.ld = LDClient(cfg)\n    def f(self):\n        return self.ld.variation_detail('k', c, 0)", "launchdarkly", "variation_detail"),
        ("from UnleashClient import UnleashClient\nu = UnleashClient('url', 'app')\nu.is_enabled('k')", "unleash", "is_enabled"),
        ("from waffle import flag_is_active\nflag_is_active(request, 'k')", "django-waffle", "waffle.flag_is_active"),
        ("import waffle\nwaffle.sample_is_active('k')", "django-waffle", "waffle.sample_is_active"),
    ],
)
def test_recognizes_each_sdk(source: str, sdk: str, method: str) -> None:
    [(evaluation, key, _module)] = evaluations(source)
    assert (evaluation.sdk, evaluation.method) == (sdk, method)
    assert key == FlagKey("literal", "k")


def test_key_and_default_expressions() -> None:
    [(of, _, module), (ld, _, _), (un, _, _)] = evaluations(
        """
        import ldclient
        from openfeature import api
        from UnleashClient import UnleashClient
        api.get_client().get_integer_value(default_value=3, flag_key="limit")
        ldclient.get().variation("k", context, {"a": 1})
        UnleashClient("u", "a").is_enabled("k", ctx, fallback)
        """
    )
    assert (code(module, of.key), code(module, of.default), of.value_type, of.fallback) == ('"limit"', "3", "integer", "required")
    assert (code(module, ld.key), code(module, ld.default), ld.value_type) == ('"k"', '{"a": 1}', None)
    assert (code(module, un.default), un.default_keyword, un.missing_fallback) == ("fallback", "fallback_function", False)


@pytest.mark.parametrize(
    "source",
    [
        "def f(client):\n    client.get_boolean_value('k', False)",  # a parameter: any object
        "from openfeature import api\ndef f(api):\n    api.get_client().get_boolean_value('k', False)",  # shadowed import
        "class C:\n    def variation(self, k, c, d): ...\nC().variation('k', 1, 2)",  # same method name, own class
        "import ldclient\nldclient.get().all_flags_state(ctx)",  # not an evaluation method
        "from UnleashClient import UnleashClient\ndef f():\n    UnleashClient = dict\n    UnleashClient().is_enabled('k')",  # local shadow
        "d = {}\nd.get('k')",
        "flag_is_active(request, 'k')",  # not imported from waffle
    ],
)
def test_near_misses_are_not_evaluations(source: str) -> None:
    assert evaluations(source) == []


def test_receivers_from_annotations_and_factories() -> None:
    found = evaluations(
        """
        from functools import lru_cache
        from typing import Optional
        from openfeature import api
        from openfeature.client import OpenFeatureClient
        from ldclient.client import LDClient

        @lru_cache
        def flags():
            return api.get_client()

        def ld() -> "LDClient":
            return build()

        def handler(client: OpenFeatureClient, other: Optional[LDClient], third: "LDClient | None", plain):
            client.get_boolean_value("a", False)
            other.variation("b", ctx, False)
            third.variation("c", ctx, False)
            flags().get_boolean_value("d", False)
            ld().variation("e", ctx, None)
            local = flags()
            local.get_string_value("f", "")
            plain.get_boolean_value("no", False)  # unannotated parameter: unknown
        """
    )
    assert [(e.sdk, k.value if k else None) for e, k, _m in found] == [
        ("openfeature", "a"),
        ("launchdarkly", "b"),
        ("launchdarkly", "c"),
        ("openfeature", "d"),
        ("launchdarkly", "e"),
        ("openfeature", "f"),
    ]


def test_unleash_none_fallback_and_star_arguments() -> None:
    found = evaluations(
        """
        from UnleashClient import UnleashClient
        u = UnleashClient("url", "app")
        u.is_enabled("a", fallback_function=None)
        u.is_enabled("b", *args)
        u.is_enabled("c", **options)
        u.get_variant("d")
        """
    )
    assert [e.missing_fallback for e, _k, _m in found] == [True, False, False, False]
    assert found[3][0].fallback == "none"


@pytest.mark.parametrize(
    "expression,expected",
    [
        ('"new-checkout"', FlagKey("literal", "new-checkout")),
        ('"new-" "checkout"', FlagKey("literal", "new-checkout")),
        ("KEY", FlagKey("literal", "new-checkout")),
        ("ALIAS", FlagKey("literal", "new-checkout")),
        ("Flags.KEY", FlagKey("literal", "flags-key")),
        ("Flags.KEY.value", FlagKey("literal", "flags-key")),
        ("LATER", FlagKey("literal", "later")),
        ("IMPORTED", FlagKey("external")),
        ("settings.FLAG", FlagKey("external")),
        ('f"new-{region}"', FlagKey("dynamic")),
        ('"new-" + region', FlagKey("dynamic")),
        ("region", FlagKey("dynamic")),
        ("self.key", FlagKey("dynamic")),
        ("ENV_KEY", FlagKey("dynamic")),
        ("Flags.OTHER", FlagKey("dynamic")),
    ],
)
def test_static_key(expression: str, expected: FlagKey) -> None:
    source = f"""
    import os
    from openfeature import api
    from django.conf import settings
    from keys import IMPORTED
    KEY = "new-checkout"
    ALIAS = KEY
    ENV_KEY = os.environ["FLAG"]
    class Flags:
        KEY = "flags-key"
    def f(self, region):
        api.get_client().get_boolean_value({expression}, False)
    LATER = "later"
    """
    [(_e, key, _m)] = evaluations(source)
    assert key == expected


def test_waffle_negated_decorator_key() -> None:
    [(evaluation, key, _m)] = evaluations("from waffle.decorators import waffle_flag\n@waffle_flag('!beta')\ndef v(r): ...")
    assert evaluation.method == "waffle.decorators.waffle_flag"
    assert key == FlagKey("literal", "beta", negated=True)


def test_in_house_evaluators_from_config(tmp_path: Path) -> None:
    config = parse_config(
        {
            "flags": {
                "evaluators": [
                    "acme.flags.is_on",
                    {"call": "acme.flags.enabled", "key": 0, "default": "default"},
                    {"call": "acme.flags.value", "key": "name", "default": 2},
                    {"call": "acme.Client.check", "key": 1, "default": "fallback"},
                ]
            }
        },
        tmp_path / "pyproject.toml",
    )
    found = evaluations(
        """
        from acme import flags
        from acme.flags import enabled
        from acme import Client
        flags.is_on("a")
        enabled("b")
        enabled("c", default=True)
        enabled("d", True)
        enabled("e", user)
        flags.value(name="f", user=u)
        flags.value("g", u, 0)
        Client().check(user, "h")
        """,
        config,
    )
    summary = [(k.value if k else None, e.fallback, e.missing_fallback) for e, k, _m in found]
    assert summary == [
        ("a", "none", False),
        ("b", "optional", True),
        ("c", "optional", False),
        ("d", "optional", False),  # a literal right after the key is the default, positionally
        ("e", "optional", True),  # a name there is not (it is the user, the context...)
        ("f", "optional", True),
        ("g", "optional", False),
        ("h", "optional", True),
    ]


# -- the manifest and the rules, through the CLI ----------------------------------------


def project(tmp_path: Path, manifest: str | None, source: str, evaluators: str = "") -> Path:
    flags = ['manifest = "flags.toml"'] if manifest is not None else []
    if evaluators:
        flags.append(f"evaluators = {evaluators}")
    (tmp_path / "pyproject.toml").write_text("[tool.resilint.flags]\n" + "\n".join(flags) + "\n" if flags else "[tool.resilint]\n")
    if manifest is not None:
        (tmp_path / "flags.toml").write_text(textwrap.dedent(manifest))
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    return tmp_path


SOURCE = """
from openfeature import api

client = api.get_client()
client.get_boolean_value("new-checkout-flow", False)
client.get_boolean_value("new-chekout-flow", False)
client.get_boolean_value("old-search", False)
"""

MANIFEST = """
[flags.new-checkout-flow]
owner = "checkout"
expires = 2027-03-01

[flags.old-search]
owner = "search"
expires = 2026-05-31
"""


def codes(run_json: dict) -> list[tuple[int, str]]:
    return [(f["line"], f["code"]) for f in run_json["findings"]]


def test_unknown_and_expired_keys(tmp_path: Path) -> None:
    folder = project(tmp_path, MANIFEST, SOURCE)
    run = run_resilint("check", "--format", "json", "--no-cache", "--today", "2026-06-01", "app.py", cwd=folder)
    assert run.returncode == 1, run.stderr
    assert codes(run.json()) == [(6, "REL304"), (7, "REL305")]
    messages = [f["message"] for f in run.json()["findings"]]
    assert "did you mean 'new-checkout-flow'?" in messages[0]
    assert "expired on 2026-05-31" in messages[1] and "owner search" in messages[1]


def test_today_pins_expiry(tmp_path: Path) -> None:
    folder = project(tmp_path, MANIFEST, SOURCE)
    run = run_resilint("check", "--format", "json", "--no-cache", "--today", "2026-05-31", "app.py", cwd=folder)
    assert codes(run.json()) == [(6, "REL304")]  # expires 2026-05-31: valid through that day
    later = run_resilint("check", "--format", "json", "--no-cache", "--today", "2027-03-02", "app.py", cwd=folder)
    assert codes(later.json()) == [(5, "REL305"), (6, "REL304"), (7, "REL305")]


def test_without_manifest_rel304_and_rel305_are_silent(tmp_path: Path) -> None:
    folder = project(tmp_path, None, SOURCE + 'client.get_boolean_value("x", "no")\n')
    run = run_resilint("check", "--format", "json", "--no-cache", "app.py", cwd=folder)
    assert codes(run.json()) == [(8, "REL302")], run.stderr


@pytest.mark.parametrize(
    "manifest,names",
    [
        ('[flags.old-search]\nexpires = "soon"\n', ["flags.toml", "flags.old-search.expires"]),
        ("[flags.old-search]\nowner = 3\n", ["flags.toml", "flags.old-search.owner"]),
        ("[flags.old-search]\nowners = 'x'\n", ["flags.toml", "flags.old-search.owners", "unknown key"]),
        ('[flags]\nold-search = "yes"\n', ["flags.toml", "flags.old-search", "expected a table"]),
        ('[flags."a b"]\nexpires = 1\n', ["flags.toml", 'flags."a b".expires']),
        ("[flag.old-search]\n", ["flags.toml", "flag", "unknown top-level key"]),
        ("[flags.old-search\n", ["flags.toml", "invalid TOML"]),
    ],
)
def test_malformed_manifest_exits_2_naming_file_and_entry(tmp_path: Path, manifest: str, names: list[str]) -> None:
    folder = project(tmp_path, manifest, SOURCE)
    run = run_resilint("check", "--no-cache", "app.py", cwd=folder)
    assert run.returncode == 2
    for name in names:
        assert name in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_missing_manifest_file_exits_2(tmp_path: Path) -> None:
    folder = project(tmp_path, MANIFEST, SOURCE)
    (folder / "flags.toml").unlink()
    run = run_resilint("check", "--no-cache", "app.py", cwd=folder)
    assert run.returncode == 2
    assert "tool.resilint.flags.manifest" in run.stderr and "flags.toml" in run.stderr


def test_malformed_manifest_with_many_files_and_jobs(tmp_path: Path) -> None:
    """Loaded once, before any file is checked: a pool of workers must not turn it into crashes."""
    folder = project(tmp_path, '[flags.x]\nexpires = "soon"\n', SOURCE)
    for i in range(15):
        (folder / f"m{i}.py").write_text(SOURCE)
    run = run_resilint("check", "--no-cache", "--jobs", "2", ".", cwd=folder)
    assert run.returncode == 2
    assert "flags.x.expires" in run.stderr and "REL002" not in run.stdout


def test_manifest_not_loaded_when_its_rules_are_off(tmp_path: Path) -> None:
    folder = project(tmp_path, '[flags.x]\nexpires = "soon"\n', SOURCE)
    run = run_resilint("check", "--no-cache", "--select", "REL1,REL302", "app.py", cwd=folder)
    assert run.returncode == 0, run.stderr


def test_manifest_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    folder = project(tmp_path, MANIFEST, SOURCE)
    (folder / "pkg").mkdir()
    (folder / "app.py").rename(folder / "pkg" / "app.py")
    run = run_resilint("check", "--format", "json", "--no-cache", "--today", "2026-06-01", "app.py", cwd=folder / "pkg")
    assert codes(run.json()) == [(6, "REL304"), (7, "REL305")], run.stderr


def test_fixture_folder_expectations_cover_every_flag_code() -> None:
    text = "".join(p.read_text() for p in FLAG_FIXTURES.glob("*.py"))
    for code_ in ("REL301", "REL302", "REL303", "REL304", "REL305"):
        assert f"expect: {code_}" in text


# -- resilint flags --------------------------------------------------------------------------


def test_flags_command_json() -> None:
    run = run_resilint("flags", "--format", "json", "--today", "2026-06-01", ".", cwd=FLAG_FIXTURES)
    assert run.returncode == 0, run.stderr
    data = run.json()
    assert data["manifest"] == "flags.toml" and data["today"] == "2026-06-01"
    flags = {f["key"]: f for f in data["flags"]}
    legacy = flags["legacy-pricing"]
    assert (legacy["owner"], legacy["expires"], legacy["expired"], legacy["in_manifest"]) == ("pricing", "2026-01-15", True, True)
    assert {"path": "rel305_expired.py", "line": 16, "column": 1, "sdk": "openfeature", "method": "get_boolean_value"} in legacy["references"]
    assert flags["search-v2"]["expired"] is False  # expires on --today itself
    assert flags["new-chekout-flow"]["in_manifest"] is False
    assert flags["beta-dashboard"]["references"][-1]["method"] == "waffle.decorators.waffle_flag"  # "!" stripped
    assert [s["key"] for s in data["stale"]] == ["old-banner"]
    reasons = {(u["path"], u["line"]): u["reason"] for u in data["unresolved"]}
    assert reasons[("rel303_dynamic_key.py", 39)] == "dynamic"
    assert reasons[("rel303_dynamic_key.py", 79)] == "external"


def test_flags_command_text_and_stale_relative_to_paths() -> None:
    run = run_resilint("flags", "--today", "2026-06-01", "rel305_expired.py", cwd=FLAG_FIXTURES)
    assert run.returncode == 0, run.stderr
    assert "legacy-pricing  owner pricing, expires 2026-01-15 (expired)" in run.stdout
    assert "  rel305_expired.py:16:1  openfeature get_boolean_value" in run.stdout
    stale = run.stdout.split("Stale flags", 1)[1]
    assert "old-banner" in stale and "beta-dashboard" in stale  # not evaluated in this one file
    assert "legacy-pricing" not in stale


def test_flags_command_without_manifest_and_with_unparseable_file(tmp_path: Path) -> None:
    folder = project(tmp_path, None, SOURCE)
    (folder / "broken.py").write_text("def (:\n")
    run = run_resilint("flags", "--format", "json", ".", cwd=folder)
    assert run.returncode == 2  # an incomplete listing would misreport stale flags
    data = json.loads(run.stdout)
    assert data["manifest"] is None and data["stale"] == []
    assert [f["key"] for f in data["flags"]] == ["new-checkout-flow", "new-chekout-flow", "old-search"]
    assert all(f["in_manifest"] is None for f in data["flags"])
    assert data["errors"][0]["path"] == "broken.py"
    assert "broken.py" in run.stderr


def test_flags_command_malformed_manifest(tmp_path: Path) -> None:
    folder = project(tmp_path, "[flags.a]\nowner = 1\n", SOURCE)
    run = run_resilint("flags", ".", cwd=folder)
    assert run.returncode == 2 and "flags.a.owner" in run.stderr


# -- example files (standards whose examples need a manifest) ------------------------------


def test_example_files_are_validated() -> None:
    from resilint.config.standards import parse_standard
    from resilint.errors import ConfigError

    table = {"code": "ACME1", "name": "x", "check": "flag-key-static", "example-files": {"../flags.toml": ""}}
    with pytest.raises(ConfigError, match="example-files"):
        parse_standard(table, "test.toml")
    ok = parse_standard({**table, "example-files": {"flags.toml": "[flags.a]\n"}}, "test.toml")
    assert dict(ok.example_files) == {"flags.toml": "[flags.a]\n"}


def test_explain_shows_the_example_manifest() -> None:
    run = run_resilint("explain", "REL305")
    assert run.returncode == 0
    assert "With flags.toml" in run.stdout and "expires = 2024-01-31" in run.stdout


def test_prefilter_knows_configured_evaluators(tmp_path: Path) -> None:
    """A file that imports only an in-house evaluator is still parsed and checked."""
    folder = project(
        tmp_path,
        None,
        "from shop.features import flag\n\nflag('new-search')\n",
        evaluators='[{ call = "shop.features.flag", key = 0, default = "default" }]',
    )
    run = run_resilint("check", "--format", "json", "app.py", cwd=folder)
    assert codes(run.json()) == [(3, "REL301")], run.stderr


def test_cached_results_follow_manifest_edits(tmp_path: Path) -> None:
    folder = project(tmp_path, MANIFEST, SOURCE)
    first = run_resilint("check", "--format", "json", "--today", "2026-06-01", "app.py", cwd=folder)
    assert codes(first.json()) == [(6, "REL304"), (7, "REL305")]
    (folder / "flags.toml").write_text(textwrap.dedent(MANIFEST) + "\n[flags.new-chekout-flow]\nowner = 'typo-owner'\n")
    second = run_resilint("check", "--format", "json", "--today", "2026-06-01", "app.py", cwd=folder)
    assert codes(second.json()) == [(7, "REL305")]

"""The guideline loader: valid files load into the model, every kind of mistake is reported as
`file:line: field: message`, and the store caches files until they change."""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.guidelines import describe
from bot.engine.rules import RULE_TYPES as REGISTRY
from bot.guidelines.errors import GuidelineError, Problem, UnknownBrand
from bot.guidelines.loader import MAX_FILE_BYTES, GuidelineStore, load_bytes
from bot.guidelines.loader import load_guidelines as load_with
from bot.guidelines.loader import validate_paths as validate_with
from bot.guidelines.model import Guidelines, Stage


def load_guidelines(path: Path | str) -> Guidelines:
    return load_with(path, REGISTRY)


def validate_paths(paths: list[Path]) -> list[Problem]:
    return validate_with(paths, REGISTRY)


REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "brand_guidelines"
RULE_TYPES = ("existence", "substitution", "occurrence", "capitalization", "pii")

MINIMAL = """\
brand: Acme
language: en
"""

VALID = """\
brand: Acme Outdoor
language: en
version: "2026-11"
values:
  - id: honest
    description: We say what our gear does.
    signals: [tested, "in our tests"]
    contradictions: [miracle]
platforms:
  x: {max_chars: 280, max_hashtags: 2}
  instagram: {max_chars: 2200}
disclosure:
  tags: ["#ad"]
  within_chars: 125
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid '%s'."
    category: legal
    tokens: [guarantee, "risk free"]
  - id: preferred-terms
    type: substitution
    swap: {cheap: affordable}
    kinds: [reply]
  - id: exclamations
    type: occurrence
    pattern: "!"
    max: 1
    platforms: [x]
  - id: brand-name
    type: capitalization
    terms: [Acme]
  - id: no-personal-data
    type: pii
    level: error
    overridable: false
    detect: [email]
    kinds: [post]
approvers:
  brand: [U01BRAND1, U01BRAND2]
  legal: [U01LEGAL1]
routing:
  default: [brand]
  rules:
    - when: {category: legal, platform: [x, instagram]}
      stages: [legal, {group: brand, mode: all}]
policy:
  auto_approve:
    - {kind: reply, verdict: pass}
    - {sponsored: false, verdict: [pass, review]}
submitters: [U02AGENCY1]
auditors: [U01AUDIT1]
"""


def write(tmp_path: Path, text: str, name: str = "acme.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(GuidelineError) as caught:
        load_guidelines(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def with_rule(rule: str) -> str:
    """A minimal valid file plus one rule, indented as the first item of `rules:` (line 4)."""
    return MINIMAL + "rules:\n" + textwrap.indent(textwrap.dedent(rule), "  ")


# --------------------------------------------------------------------------- valid files


@pytest.mark.parametrize("name", ["northwind-outdoor", "casa-aurora"])
def test_example_brands_load_cleanly_and_use_every_rule_type(name: str) -> None:
    g = load_guidelines(EXAMPLES / f"{name}.yml")

    assert g.brand_id == name
    assert {r.type for r in g.rules} >= set(RULE_TYPES)
    assert len(g.platforms) >= 3 and g.disclosure is not None and g.values
    assert len(g.approvers) >= 3 and g.auto_approve and g.auditors and g.submitters
    assert len(g.routing_rules) >= 2 and g.routing_default
    assert any(len(rule.stages) >= 2 for rule in g.routing_rules)
    assert any(s.mode == "all" for rule in g.routing_rules for s in rule.stages)


def test_example_brand_languages() -> None:
    assert load_guidelines(EXAMPLES / "northwind-outdoor.yml").language == "en"
    assert load_guidelines(EXAMPLES / "casa-aurora.yml").language == "it"


def test_example_folder_validates_without_problems() -> None:
    assert validate_paths([EXAMPLES]) == []


def test_valid_file_becomes_the_model(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    g = load_guidelines(path)

    assert isinstance(g, Guidelines)
    assert (g.brand_id, g.brand, g.language, g.version) == ("acme", "Acme Outdoor", "en", "2026-11")
    assert g.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert g.values[0].signals == ("tested", "in our tests")
    assert g.platforms["instagram"].max_chars == 2200
    assert g.platforms["instagram"].max_hashtags is None
    assert g.disclosure is not None and g.disclosure.tags == ("#ad",)

    guarantees = g.rule("no-guarantees")
    assert guarantees is not None
    assert (guarantees.level, guarantees.category, guarantees.line) == ("error", "legal", 16)
    assert guarantees.options == {"tokens": ("guarantee", "risk free"), "match": "lemma"}

    preferred = g.rule("preferred-terms")
    assert preferred is not None
    assert preferred.level == "warning" and preferred.overridable is True
    assert preferred.kinds == ("reply",)
    assert preferred.options["swap"] == {"cheap": "affordable"}

    exclamations = g.rule("exclamations")
    assert exclamations is not None and exclamations.platforms == ("x",)
    assert exclamations.options["pattern"] == "!" and exclamations.options["max"] == 1

    # pii's `detect` (kinds of personal data) sits beside the common post/reply `kinds`
    pii = g.rule("no-personal-data")
    assert pii is not None and pii.overridable is False
    assert pii.options["detect"] == ("email",) and pii.kinds == ("post",)

    assert g.approvers == {"brand": ("U01BRAND1", "U01BRAND2"), "legal": ("U01LEGAL1",)}
    assert g.routing_default == (Stage("brand"),)
    (rule,) = g.routing_rules
    assert rule.when == {"category": ("legal",), "platform": ("x", "instagram")}
    assert rule.stages == (Stage("legal"), Stage("brand", "all"))
    assert [e.index for e in g.auto_approve] == [0, 1]
    assert g.auto_approve[1].label == "policy.auto_approve[1]"
    assert g.auto_approve[1].conditions == {
        "sponsored": (False,),
        "verdict": ("pass", "review"),
    }
    assert g.submitters == ("U02AGENCY1",) and g.auditors == ("U01AUDIT1",)


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    g = load_guidelines(write(tmp_path, MINIMAL))
    assert g.submitters == ("*",)
    assert (g.version, g.rules, g.auto_approve, g.disclosure) == ("", (), (), None)


def test_yaml_anchors_and_merge_keys_are_understood(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """\
platforms:
  x: &short {max_chars: 280, max_hashtags: 2}
  threads:
    <<: *short
    max_chars: 500
""",
    )
    g = load_guidelines(path)
    assert g.platforms["x"].max_chars == 280
    assert (g.platforms["threads"].max_chars, g.platforms["threads"].max_hashtags) == (500, 2)


def test_describe_summarises_the_brand(tmp_path: Path) -> None:
    g = load_guidelines(write(tmp_path, VALID))
    text = describe(g)
    for expected in (
        "Acme Outdoor (acme)",
        g.sha256,
        "2026-11",
        "no-guarantees",
        "existence",
        "legal: U01LEGAL1",
        "legal -> brand (all)",
        "policy.auto_approve[0]",
        "U01AUDIT1",
    ):
        assert expected in text


# --------------------------------------------------------------------------- one error each


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "rulez: []\n")
    problem = only_problem(path)
    assert (problem.line, problem.field) == (3, "rulez")
    assert str(problem).startswith(f"{path}:3: rulez: 'rulez' is not a known")
    assert "did you mean 'rules'?" in problem.message
    assert "Allowed: brand, language, version" in problem.message


def test_unknown_key_in_rule_suggests_the_closest_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: no-guarantees
              type: existence
              tokens: [guarantee]
              tokns: [cure]
            """),
    )
    problem = only_problem(path)
    assert str(problem).startswith(f"{path}:7: rules[0].tokns: ")
    assert problem.message.startswith(
        "'tokns' is not a known field of an existence rule; did you mean 'tokens'? Allowed: "
    )
    assert "match" in problem.message and "level" in problem.message


def test_missing_required_option_names_the_rule_line(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: no-guarantees, type: existence}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0].tokens")
    assert "an existence rule needs 'tokens'" in problem.message


def test_require_one_of_groups(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: bangs, type: occurrence, pattern: '!'}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0]")
    assert "needs 'max' or 'min'" in problem.message


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "platforms:\n  x: {max_chars: lots}\n")
    problem = only_problem(path)
    assert str(problem) == (
        f"{path}:4: platforms.x.max_chars: expected an integer >= 1, got 'lots' (a string)"
    )


def test_wrong_type_for_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: a, type: capitalization, terms: Acme}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0].terms")
    assert problem.message == "expected a list of strings, got 'Acme' (a string)"


def test_unknown_rule_type_lists_registered_types(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: no-guarantees
              type: existance
              tokens: [guarantee]
            """),
    )
    problem = only_problem(path)
    assert (problem.line, problem.field) == (5, "rules[0].type")
    assert "unknown rule type 'existance'" in problem.message
    assert "did you mean 'existence'?" in problem.message
    for name in RULE_TYPES:
        assert name in problem.message


def test_duplicate_rule_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: brand-name
              type: capitalization
              terms: [Acme]
            - id: brand-name
              type: capitalization
              terms: [AcmeLite]
            """),
    )
    problem = only_problem(path)
    assert str(problem) == (
        f"{path}:7: rules[1].id: duplicate rule id 'brand-name': already used at line 4"
    )


def test_bad_rule_id(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: No Guarantees, type: pii}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0].id")
    assert "'No Guarantees' is not allowed" in problem.message


def test_routing_naming_a_missing_approver_group(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """\
approvers:
  brand: [U01BRAND1]
  legal: [U01LEGAL1]
routing:
  default: [brand]
  rules:
    - when: {platform: x}
      stages: [legal, {group: lgal, mode: all}]
""",
    )
    problem = only_problem(path)
    assert (problem.line, problem.field) == (10, "routing.rules[0].stages[1].group")
    assert "'lgal' is not a group in approvers; did you mean 'legal'?" in problem.message
    assert "known groups: brand, legal" in problem.message


def test_routing_on_a_category_no_rule_has(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + """\
approvers: {brand: [U01BRAND1]}
routing:
  default: [brand]
  rules:
    - {when: {category: claims}, stages: [brand]}
""",
    )
    problem = only_problem(path)
    assert (problem.line, problem.field) == (7, "routing.rules[0].when.category")
    assert "no rule has category 'claims'" in problem.message


def test_invalid_regex_in_occurrence_pattern(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: prices
              type: occurrence
              pattern: "[0-9+ EUR"
              max: 1
            """),
    )
    problem = only_problem(path)
    assert (problem.line, problem.field) == (6, "rules[0].pattern")
    assert "invalid regular expression" in problem.message
    assert "unterminated character set" in problem.message


def test_bad_level_is_reported_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: brand-name
              type: capitalization
              level: eror
              terms: [Acme]
            """),
    )
    problem = only_problem(path)
    assert str(problem) == (
        f"{path}:6: rules[0].level: 'eror' is not allowed; use one of suggestion, warning, error"
    )


def test_bad_platform_key(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "platforms:\n  twitter: {max_chars: 280}\n")
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "platforms.twitter")
    assert "'twitter' is not allowed; use one of x, linkedin" in problem.message
    assert "'x'" in problem.message


def test_bad_platform_in_a_rule(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: a, type: pii, platforms: [x, myspace]}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0].platforms[1]")
    assert "'myspace' is not allowed" in problem.message


def test_unquoted_numeric_version(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "version: 2026.10\n")
    problem = only_problem(path)
    assert (problem.line, problem.field) == (3, "version")
    # YAML made it the float 2026.1; the message shows what was written and how to fix it
    assert 'quote it: version: "2026.10"' in problem.message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "rules:\n  - id: a\n   type: pii\n")
    problem = only_problem(path)
    assert problem.line == 5
    assert str(problem).startswith(f"{path}:5: YAML syntax error: ")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        with_rule("""\
            - id: brand-name
              type: capitalization
              level: error
              terms: [Acme]
              level: warning
            """),
    )
    problem = only_problem(path)
    assert (problem.line, problem.field) == (8, "rules[0].level")
    assert "duplicate key 'level' (first at line 6)" in problem.message


def test_user_ids_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "approvers:\n  brand: [U01BRAND1, bob]\n")
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "approvers.brand[1]")
    assert "Slack user id" in problem.message


def test_empty_auto_approve_entry_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "policy:\n  auto_approve:\n    - {}\n")
    problem = only_problem(path)
    assert (problem.line, problem.field) == (5, "policy.auto_approve[0]")
    assert "would match every draft" in problem.message


def test_empty_file(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, ""))
    assert problem.line == 1 and "empty" in problem.message


def test_missing_required_top_level_fields(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "version: '1'\n"))
    assert [p.field for p in problems] == ["brand", "language"]


# --------------------------------------------------------------------------- many at once


def test_all_problems_are_reported_together_sorted_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        brand: Acme
        language: english
        version: 3
        rules:
          - id: a
            type: existence
            level: eror
            tokns: [x]
          - id: a
            type: nope
        approvers:
          brand: [U01BRAND1]
        routing:
          default: [pr]
        colour: blue
        """,
    )
    problems = problems_of(path)
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert {(p.line, p.field) for p in problems} >= {
        (2, "language"),
        (3, "version"),
        (5, "rules[0].tokens"),
        (7, "rules[0].level"),
        (8, "rules[0].tokns"),
        (9, "rules[1].id"),
        (10, "rules[1].type"),
        (14, "routing.default[0]"),
        (15, "colour"),
    }
    with pytest.raises(GuidelineError) as caught:
        load_guidelines(path)
    assert str(caught.value).splitlines() == [str(p) for p in problems]


def test_validate_paths_reports_files_and_folders(tmp_path: Path) -> None:
    good = write(tmp_path, VALID, "good.yml")
    bad = write(tmp_path, MINIMAL + "colour: blue\n", "bad.yml")
    write(tmp_path, MINIMAL, "misnamed.YML")
    write(tmp_path, MINIMAL, "other.yaml")  # both extensions are guideline files
    (tmp_path / "README.md").write_text("# not a brand\n")

    assert validate_paths([good]) == []
    folder = validate_paths([tmp_path])
    assert {(p.path.name, p.line) for p in folder} == {("bad.yml", 3), ("misnamed.YML", 0)}
    missing = validate_paths([tmp_path / "nope.yml"])
    assert [p.message for p in missing] == ["no such file or folder"]
    assert validate_paths([bad])[0].field == "colour"


def test_file_name_must_be_a_brand_id(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, MINIMAL, "Acme Corp.yml"))
    assert "'Acme Corp' is not a valid brand id" in problem.message


# --------------------------------------------------------------------------- the store


def test_store_lists_and_gets_brands(tmp_path: Path) -> None:
    write(tmp_path, VALID, "acme.yml")
    write(tmp_path, MINIMAL.replace("Acme", "Beta"), "beta.yml")
    (tmp_path / "README.md").write_text("# format reference\n")
    store = GuidelineStore(tmp_path, REGISTRY)

    assert store.brand_ids() == ["acme", "beta"]
    assert [g.brand_id for g in store.all()] == ["acme", "beta"]
    assert store.get("beta").brand == "Beta"


def test_store_unknown_brand_lists_known_brands(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "acme.yml")
    write(tmp_path, MINIMAL, "beta.yml")
    store = GuidelineStore(tmp_path, REGISTRY)

    with pytest.raises(UnknownBrand) as caught:
        store.get("acne")
    assert caught.value.brand_id == "acne"
    assert caught.value.known == ["acme", "beta"]
    assert "unknown brand 'acne'" in str(caught.value)
    assert "known brands: acme, beta" in str(caught.value)
    with pytest.raises(UnknownBrand):
        store.get("../acme")


def test_store_all_reports_invalid_files(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "acme.yml")
    write(tmp_path, MINIMAL + "colour: blue\n", "beta.yml")
    with pytest.raises(GuidelineError) as caught:
        GuidelineStore(tmp_path, REGISTRY).all()
    assert [(p.path.name, p.line) for p in caught.value.problems] == [("beta.yml", 3)]


def test_store_caches_until_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL, "acme.yml")
    store = GuidelineStore(tmp_path, REGISTRY)

    first = store.get("acme")
    assert store.get("acme") is first  # unchanged file: the cached object itself

    # Same size, later mtime: reloaded. (mtime is set explicitly: no sleeping for the clock.)
    mtime = path.stat().st_mtime_ns
    path.write_text(MINIMAL.replace("Acme", "Acne"), encoding="utf-8")
    os.utime(path, ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))
    second = store.get("acme")
    assert second is not first and second.brand == "Acne"
    assert second.sha256 != first.sha256
    assert store.get("acme") is second

    # Same mtime, different size: reloaded too.
    mtime = path.stat().st_mtime_ns
    path.write_text(MINIMAL.replace("Acme", "Acme Outdoor"), encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))
    assert store.get("acme").brand == "Acme Outdoor"


def test_store_does_not_cache_an_invalid_file_as_valid(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL, "acme.yml")
    store = GuidelineStore(tmp_path, REGISTRY)
    store.get("acme")
    path.write_text(MINIMAL + "colour: blue\n", encoding="utf-8")
    with pytest.raises(GuidelineError):
        store.get("acme")


def test_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "acme.yml"
    path.write_bytes(MINIMAL.encode() + b'version: "caf\xe9"\n')
    problem = only_problem(path)
    assert (problem.line, problem.message) == (3, "the file is not valid UTF-8 text")


def test_keys_yaml_reads_as_booleans_must_be_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, with_rule("- {id: a, type: substitution, swap: {no: nope}}\n"))
    problem = only_problem(path)
    assert (problem.line, problem.field) == (4, "rules[0].swap.no")
    assert 'quote it: "no"' in problem.message


def test_problem_without_a_line_names_the_file_only(tmp_path: Path) -> None:
    problem = Problem(tmp_path / "x.yml", 0, "", "no such file or folder")
    assert str(problem) == f"{tmp_path / 'x.yml'}: no such file or folder"


# --------------------------------------------------------------------------- hostile files


def test_billion_laughs_is_refused_at_once_naming_the_line(tmp_path: Path) -> None:
    """Nine levels of nine aliases would expand to 387 million values (past 60 s and 1.9 GB
    before aliases were counted): refused on the first expansion past the limit."""
    lines = [
        "brand: Laughs",
        "language: en",
        'values: &a [{id: lol, description: "lol"}, {id: lol2, description: "lol"}]',
    ]
    previous = "a"
    for level in "bcdefghi":
        lines.append(f"x{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
        previous = level
    path = write(tmp_path, "\n".join(lines) + "\n")
    problems = problems_of(path)
    laughs = [p for p in problems if "aliases expand to more than" in p.message]
    assert len(laughs) == 1 and laughs[0].line > 0
    assert str(laughs[0]).startswith(f"{path}:{laughs[0].line}: ")


def test_a_few_aliases_are_still_fine(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        approvers:
          brand: &team [U01BRAND1, U01BRAND2]
          legal: *team
        routing:
          default: [brand]
        """
    )
    g = load_guidelines(write(tmp_path, text))
    assert g.approvers["legal"] == ("U01BRAND1", "U01BRAND2")


def test_file_over_the_size_limit_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_bytes(MINIMAL.encode() + b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    problem = only_problem(path)
    assert problem.line == 0 and "larger than 4 MB" in problem.message
    assert str(problem).startswith(f"{path}: the file is larger than")


def test_deeply_nested_values_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "values: " + "[" * 200 + "]" * 200 + "\n")
    problem = only_problem(path)
    assert problem.line == 3 and "nest" in problem.message


# --------------------------------------------------------------------------- .yml and .yaml


def test_yaml_extension_is_a_guideline_file_in_the_folder_too(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "acme.yaml")
    write(tmp_path, MINIMAL.replace("Acme", "Beta"), "beta.yml")
    store = GuidelineStore(tmp_path, REGISTRY)

    assert store.brand_ids() == ["acme", "beta"]
    assert store.get("acme").path.name == "acme.yaml"
    assert [g.brand_id for g in store.all()] == ["acme", "beta"]
    assert validate_paths([tmp_path]) == []


def test_two_files_for_one_brand_are_refused(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "acme.yml")
    write(tmp_path, MINIMAL.replace("Acme", "Other"), "acme.yaml")
    store = GuidelineStore(tmp_path, REGISTRY)

    expected = "brand 'acme' has two guideline files, acme.yaml and acme.yml; keep only one"
    with pytest.raises(GuidelineError) as caught:
        store.get("acme")
    assert [p.message for p in caught.value.problems] == [expected]
    with pytest.raises(GuidelineError) as caught:
        store.all()
    assert [p.message for p in caught.value.problems] == [expected]
    assert [p.message for p in validate_paths([tmp_path])] == [expected]


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\\\1", "a backreference"),
        ("(?<=a)b", "lookbehind"),
        ("a(?!b)", "lookahead"),
        ("(?>a+)b", "an atomic group"),
        ("a++b", "a possessive quantifier"),
    ],
)
def test_patterns_that_cannot_run_in_linear_time_are_refused(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    rule = f'- {{id: p, type: occurrence, pattern: "{pattern}", max: 1}}\n'
    problem = only_problem(write(tmp_path, with_rule(rule)))
    assert (problem.line, problem.field) == (4, "rules[0].pattern")
    assert f"cannot run in linear time: it uses {reason}" in problem.message


def test_a_class_re2_cannot_keep_the_unicode_meaning_of_is_refused(tmp_path: Path) -> None:
    rule = "- {id: p, type: occurrence, pattern: '[\\W\\d]', max: 1}\n"
    problem = only_problem(write(tmp_path, with_rule(rule)))
    assert "\\W inside [...] cannot keep its Unicode meaning on RE2" in problem.message


def test_nested_quantifiers_are_accepted_because_they_run_on_re2(tmp_path: Path) -> None:
    rule = '- {id: p, type: occurrence, pattern: "(a+)+$", max: 0}\n'
    g = load_guidelines(write(tmp_path, with_rule(rule)))
    assert g.rules[0].options["pattern"] == "(a+)+$"


# --------------------------------------------------------------------------- fuzzing

FUZZ_PATH = Path("fuzz.yml")
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["lemma", "error", "x", "reply", "brand", "U01BRAND1", "*", "!", "(a+)+$"]),
)
FIELD_NAMES = (
    "brand",
    "language",
    "version",
    "values",
    "platforms",
    "disclosure",
    "rules",
    "approvers",
    "routing",
    "policy",
    "submitters",
    "auditors",
    "id",
    "type",
    "level",
    "tokens",
    "swap",
    "pattern",
    "max",
    "min",
    "terms",
    "when",
    "stages",
    "default",
    "group",
    "mode",
    "auto_approve",
    "tags",
    "within_chars",
    "max_chars",
)
_keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8), st.integers(), st.booleans())
_documents = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=5)
    ),
    max_leaves=30,
)


def _assert_loads_or_reports_lines(raw: bytes) -> None:
    try:
        load_bytes(FUZZ_PATH, raw, REGISTRY)
    except GuidelineError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1, problem
            assert str(problem).startswith(f"{FUZZ_PATH}:{problem.line}: ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_fuzz_random_yaml_documents_never_raise_anything_but_guideline_errors(doc: object) -> None:
    raw = yaml.safe_dump({"brand": "Fuzz", "language": "en", "rules": [doc], "x": doc}).encode()
    _assert_loads_or_reports_lines(raw)
    _assert_loads_or_reports_lines(yaml.safe_dump(doc).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_never_raise_anything_but_guideline_errors(raw: bytes) -> None:
    _assert_loads_or_reports_lines(raw)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_mutated_valid_file_never_raises(data: st.DataObject) -> None:
    lines = textwrap.dedent(VALID).splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "garble", "alias"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "garble":
            cut = data.draw(st.integers(0, len(lines[i])))
            junk = data.draw(st.text(alphabet=":-[]{}&*!|>'\"# \x00\u202e", max_size=4))
            lines[i] = lines[i][:cut] + junk + lines[i][cut:]
        else:
            lines[i] = lines[i].replace(": ", ": &x ", 1) + "extra: *x\n"
        if not lines:
            break
    _assert_loads_or_reports_lines("".join(lines).encode())


def test_workspace_names_the_slack_team_of_the_brand(tmp_path: Path) -> None:
    assert load_guidelines(write(tmp_path, MINIMAL)).workspace is None
    g = load_guidelines(write(tmp_path, MINIMAL + "workspace: T01ABCDEF\n"))
    assert g.workspace == "T01ABCDEF"


def test_a_workspace_that_is_not_a_team_id_is_refused(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, MINIMAL + "workspace: acme-corp\n"))
    assert (problem.line, problem.field) == (3, "workspace")
    assert "Slack team id" in problem.message


@pytest.mark.parametrize("name", ["northwind-outdoor", "casa-aurora"])
def test_the_bundled_brands_have_deadlines(name: str) -> None:
    """`make demo` shows deadlines: every bundled brand has an `sla` (issue 12)."""
    sla = load_guidelines(EXAMPLES / f"{name}.yml").sla
    assert sla is not None and sla.default is not None and sla.rules and sla.escalate_to

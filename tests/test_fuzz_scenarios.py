"""Fuzz: mutations of every worked scenario file give a clean answer from ``aicast validate``
(exit 0, or exit 3 with each problem naming a file), never a traceback or another exit code.

Hypothesis with fixed settings (derandomized, no example database, a bounded number of
examples), so every run tries the same mutations; the CLI is called in-process to stay fast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicast.cli import main

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(p.name for p in SCENARIOS.glob("*.toml"))

#: Values a mutation may put in place of another: wrong types, out of range, huge, deep, odd text.
_VALUES = [
    "0", "-1", "1e308", "-1e308", "inf", "-inf", "nan", "10000000000000", "9223372036854775807",
    "99999999999999999999", "0.5", "true", '""', '"x"', '"9999-12"', '"2026-13"', '"frontier"',
    '"frontier.price"', '"é"', "[]", "[1, 2]", "[[1]]", "{}", "{a = 1}", "{to = [30, 3]}", "{to = [0, 0]}",
    "{normal = {mu = 0}}", "{mixture = []}", "{empirical = [[1, 2], [3]]}", "{truncate = 1, lo = 2, hi = 1}",
    '{data = "nope"}', '{data = "api_prices_2026-07", column = "x"}',
    '{data = "api_prices_2026-07", column = "blended_per_mtok", where = {model = {a = 1}}}',
    "[" * 40 + "]" * 40, "{a = " * 40 + "1" + "}" * 40,
]

_mutation = st.one_of(
    st.tuples(st.just("replace_value"), st.integers(0, 10_000), st.sampled_from(_VALUES)),
    st.tuples(st.just("delete_line"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("duplicate_line"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("typo_key"), st.integers(0, 10_000), st.sampled_from(["x", "_", "s", ""])),
    st.tuples(st.just("insert_text"), st.integers(0, 10_000),
              st.sampled_from(["[models.x]\n", "[[correlations]]\n", "kind = 3\n", "remove = true\n",
                               'extends = "baseline.toml"\n', 'extends = "nope.toml"\n', "[outputs]\n", "= 1\n",
                               '"\n', "\ufeff", "\x00", "[models.frontier]\nremove = true\n"])),
    st.tuples(st.just("insert_bytes"), st.integers(0, 10_000), st.sampled_from(["\xe9", "\xff\xfe", "\xc3"])),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just("")),
)


def _mutate(text: str, ops: list[tuple[str, int, str]]) -> bytes:
    lines = text.splitlines(keepends=True)
    raw_tail = b""
    for op, k, arg in ops:
        if not lines:
            break
        i = k % len(lines)
        line = lines[i]
        if op == "replace_value" and "=" in line:
            key = line.split("=", 1)[0]
            lines[i] = f"{key}= {arg}\n"
        elif op == "delete_line":
            del lines[i]
        elif op == "duplicate_line":
            lines.insert(i, line)
        elif op == "typo_key" and "=" in line:
            key, rest = line.split("=", 1)
            key = key.rstrip()
            j = k % max(len(key), 1)
            lines[i] = f"{key[:j]}{arg}{key[j + 1:]} ={rest}"
        elif op == "insert_text":
            lines.insert(i, arg)
        elif op == "insert_bytes":
            raw_tail = arg.encode("latin-1")
            lines.insert(i, "")
        elif op == "truncate":
            cut = k % max(len("".join(lines)), 1)
            return "".join(lines)[:cut].encode("utf-8") + raw_tail
    return "".join(lines).encode("utf-8") + raw_tail


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    for f in SCENARIOS.glob("*.toml"):  # siblings, so `extends` between them resolves
        shutil.copy(f, d / f.name)
    return d


@pytest.mark.parametrize("name", FILES)
def test_mutated_scenario_files_give_clean_errors(workdir: Path, name: str, capsys: pytest.CaptureFixture[str]):
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    target = workdir / f"fuzz-{name}"

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.lists(_mutation, min_size=1, max_size=4))
    def check(ops: list[tuple[str, int, str]]) -> None:
        target.write_bytes(_mutate(text, ops))
        code = main(["validate", str(target)])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "Traceback" not in out
        if code == 0:
            assert out.startswith(f"ok: {target}"), out
            return
        assert code == 3, (code, err)
        lines = err.rstrip("\n").split("\n")
        assert lines[0].startswith("aicast: invalid: "), err
        problems = [ln for ln in lines[1:] if not ln.startswith("  ... and ")]
        assert all(ln.startswith("  ") and ".toml" in ln for ln in problems), err
        assert len(lines) <= 23, err  # bounded printing

    check()

"""The benchmark runner's report: pure functions over made-up measurements."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.run import (
    HARDEN_VARIANTS,
    README_END,
    README_START,
    SYNTH_VARIANTS,
    headline,
    pinned_version,
    render,
    summary,
    table,
    targets,
    update_readme,
    verdict,
)

SYNTH_S = {"bare": 2.0, "plugin": 2.3, "cdk-nag": 3.0, "harden": 3.2, "l1-floor": 2.1}


#: the Python side of the plugin's and the Aspect's cost (``measure.apply_variant``)
PARTS = {"plugin": {"validate_s": 0.1}, "harden": {"validate_s": 0.15, "aspect_s": 0.6}}


def results(checkov: bool = True, parts: bool = True) -> dict[str, Any]:
    def synth_run(variant: str, jitter: float) -> dict[str, Any]:
        return {
            "synth_s": SYNTH_S[variant] + jitter,
            "edit_s": 0.3 if variant == "l1-floor" else 0.0,
            **(PARTS.get(variant, {}) if parts else {}),
            "rss_python_mb": 90.0,
            "rss_node_mb": 400.0,
            "stacks": 6,
        }

    def scan(n: int) -> dict[str, Any]:
        return {"bytes": 3500 * n, "findings": 8 * n, "floor_s": n * 4e-5, "cold_s": n * 1.6e-3,
                "warm_s": n * 1.2e-3, "rss_python_mb": 40.0 + n / 100}  # fmt: skip

    sizes = [
        {
            "functions": n,
            "synth": {"stacks": 1, "synth_s": 0.2, "rss_python_mb": 93.0, "rss_node_mb": None},
            "scans": [scan(n), scan(n)],
        }
        for n in (10, 1000)
    ]
    cli = {
        "guardrails": [{"seconds": 1.5, "rss_mb": 70.0}, {"seconds": 1.3, "rss_mb": 71.0}],
        "checkov": [{"seconds": 40.0, "rss_mb": 500.0}] if checkov else [],
        "skipped": None if checkov else "checkov could not be installed: no network",
        "checkov_version": "3.3.30",
    }
    return {
        "command": "make bench",
        "smoke": False,
        "repeat": 3,
        "elapsed_s": 600.0,
        "machine": {"CPU": "Some CPU", "CPUs": "2", "Python": "3.11.7", "Date": "2026-12-05"},
        "sizes": sizes,
        "synth": {
            "functions": 720,
            "stacks": 6,
            "runs": {v: [synth_run(v, j) for j in (0.0, 0.1, -0.1)] for v in SYNTH_VARIANTS},
        },
        "hardening": {
            "functions": 720,
            "stacks": 12,
            "runs": {v: [synth_run(v, j) for j in (0.0, 0.1, -0.1)] for v in HARDEN_VARIANTS},
        },
        "cli": cli,
    }


def test_table_is_markdown_with_numbers_right_aligned():
    text = table(["Name", "Time"], [["bare", "1.00 s"], ["plugin", "+0.30 s"]])
    assert text.splitlines() == [
        "| Name | Time |",
        "| --- | ---: |",
        "| bare | 1.00 s |",
        "| plugin | +0.30 s |",
    ]


def test_verdict():
    assert verdict(0.4, "<=", 0.5) == "PASS"
    assert verdict(0.6, "<=", 0.5) == "FAIL"
    assert verdict(30, ">=", 25) == "PASS"
    assert verdict(None, ">=", 25) == "n/a"


def test_summary_medians_overheads_and_ratios():
    s = summary(results())
    assert s["synth"] == {v: SYNTH_S[v] for v in SYNTH_VARIANTS}  # the medians of three runs
    assert s["hardening"] == {v: SYNTH_S[v] for v in HARDEN_VARIANTS}
    assert s["plugin_overhead"] == pytest.approx(0.3)
    assert s["plugin_vs_nag"] == pytest.approx(0.3)
    assert s["harden_ms"] == pytest.approx((3.2 - 2.3) / 720 * 1000)
    assert s["floor_ms"] == pytest.approx((2.1 + 0.3 - 2.0) / 720 * 1000)
    assert s["checkov_vs_guardrails"] == pytest.approx(40.0 / 1.4)
    assert [row[2] for row in targets(s)] == ["PASS", "PASS", "FAIL", "PASS"]


def test_render_has_every_section_and_the_targets():
    text = render(results())
    for heading in ("## Machine", "## Targets", "## 1.", "## 2.", "## 3.", "## 4.", "## 5."):
        assert heading in text
    assert "| hardening cost / L1 floor <= 2 | 2.25 | FAIL |" in text
    assert "| 1,000 | 1 | 3.5 MB | 8,000 | 40.0 ms | 1,600.0 ms | 1,200.0 ms | 30x |" in text
    assert "checkov / guardrails: **28.57**" in text


def test_render_splits_the_plugin_and_the_hardening_into_python_and_the_rest():
    s = summary(results())
    assert s["plugin_validate"] == pytest.approx(0.1)
    assert (s["harden_aspect"], s["harden_validate"]) == pytest.approx((0.6, 0.15))
    text = render(results())
    assert "Of the plugin's +0.30 s, 0.10 s are its `validate` in Python" in text
    assert "the other 0.20 s are spent in Node.js" in text
    # 0.9 s in all: the pass, the longer check (0.15 - 0.1), the synthesis of what was added
    assert "Of the hardening's 0.90 s: the Aspect's pass 0.60 s (0.83 ms per function" in text
    assert "hardened templates +0.05 s" in text and "and 0.25 s of CDK synthesizing" in text
    # medians of separate runs: a remainder under 0.05 s (or below zero) is their spread
    noisy = results()
    for run in noisy["hardening"]["runs"]["harden"]:
        run["aspect_s"] = 0.9
    assert "within the spread of the runs" in render(noisy)
    # measurements written before the split was measured: no such paragraph
    older = render(results(parts=False))
    assert "Of the plugin's" not in older and "Of the hardening's" not in older


def test_render_shows_the_plugin_against_cdk_nag_by_app_size():
    data = results()
    small = {"bare": 0.1, "plugin": 0.15, "cdk-nag": 0.35}
    data["plugin_sizes"] = [
        {
            "functions": 10,
            "stacks": 1,
            "runs": {v: [{"synth_s": small[v] + j} for j in (0.0, 0.01)] for v in small},
        }
    ]
    s = summary(data)
    ((n, stacks, plugin, nag, ratio),) = s["plugin_sizes"]
    assert (n, stacks) == (10, 1)
    assert (plugin, nag, ratio) == pytest.approx((0.05, 0.25, 0.2))
    text = render(data)
    assert "| 10 | 1 | +0.05 s | +0.25 s | 0.20 |" in text
    assert "0.20x at 10 functions cdk-nag's" in headline(data)
    # an older run, without the sweep: no table, nothing in the headline
    assert "Plugin / cdk-nag" not in render(results())
    assert "functions cdk-nag's" not in headline(results())


def test_render_says_why_checkov_was_skipped():
    text = render(results(checkov=False))
    assert "skipped: checkov could not be installed: no network" in text
    assert "| checkov time / `guardrails scan` time >= 25 | n/a | n/a |" in text
    assert "checkov" not in headline(results(checkov=False))


def test_headline_quotes_the_numbers():
    text = headline(results())
    assert text.startswith("On Some CPU (2 CPUs, Python 3.11.7), the engine checks")
    assert "1,000 functions in 1.2 s (30x" in text
    assert "the plugin adds 0.3 s (cdk-nag's two packs: 1.0 s)" in text


def test_update_readme_replaces_only_the_marked_paragraph():
    readme = f"# T\n\n## Performance\n\n{README_START}\nold\n{README_END}\n\n## Next\n"
    assert update_readme(readme, "new") == (
        f"# T\n\n## Performance\n\n{README_START}\nnew\n{README_END}\n\n## Next\n"
    )
    with pytest.raises(ValueError):
        update_readme("# no markers\n", "new")


def test_pinned_version():
    assert pinned_version("# comment\ncheckov==3.3.30\n", "checkov") == "3.3.30"

"""The optimiser's second process and its sampled constructions: the plan kept is checked and
no worse than either half alone; a helper that fails or is late leaves the first plan; the
deadline holds."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from demine.plan import solve
from demine.plan.check import check_schedule
from demine.plan.generate import random_instance
from demine.plan.instance import Instance, parse_instance


@pytest.fixture(scope="module")
def instance() -> Instance:
    return parse_instance(random_instance(150, 8, 4), "150x8")


def test_two_processes_keep_the_better_plan_by_the_deadline(
        instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve, "PARALLEL_SECONDS", 1.0)
    monkeypatch.setattr(solve, "_cores", lambda: 2)
    seen: list[float] = []
    collect = solve._collect

    def watched(*args: Any) -> solve.Result | None:
        theirs = collect(*args)
        assert theirs is not None  # the helper ran and handed its plan over
        seen.append(theirs.harm)
        return theirs

    monkeypatch.setattr(solve, "_collect", watched)
    began = time.perf_counter()
    result = solve.optimise(instance, 3.0, seed=2)
    assert time.perf_counter() - began < 3.0 + solve.HELPER_MARGIN + 0.5
    verdict = check_schedule(instance, result.rows)
    assert verdict.feasible, verdict.problems
    assert verdict.harm == pytest.approx(result.harm, rel=1e-9)
    assert seen and result.harm <= seen[0]


@pytest.mark.parametrize("command", [[sys.executable, "-c", "import sys; sys.exit(3)"],
                                     [sys.executable, "-c", "print('not a plan')"],
                                     [sys.executable, "-c", "import time; time.sleep(30)"]])
def test_a_failed_or_late_helper_leaves_the_first_plan(
        instance: Instance, monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
        command: list[str]) -> None:
    path = tmp_path / "instance.pickle"
    path.write_bytes(b"")
    monkeypatch.setattr(solve, "PARALLEL_SECONDS", 1.0)
    monkeypatch.setattr(solve, "_cores", lambda: 2)
    monkeypatch.setattr(solve, "_start_other", lambda *_: (
        subprocess.Popen(command, stdout=subprocess.PIPE), str(path)))
    alone = solve._optimise(instance, time.perf_counter() + 1.5, 1.5, 0, solve.half(0))
    began = time.perf_counter()
    result = solve.optimise(instance, 1.5, seed=0)
    assert time.perf_counter() - began < 1.5 + solve.HELPER_MARGIN + 0.5
    assert check_schedule(instance, result.rows).feasible
    assert result.harm == pytest.approx(alone.harm, rel=0.05)
    assert not path.exists()


def test_no_helper_for_short_limits(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> None:
        raise AssertionError("no helper below PARALLEL_SECONDS")

    monkeypatch.setattr(solve, "_start_other", refuse)
    result = solve.optimise(instance, 0.5)
    assert check_schedule(instance, result.rows).feasible


def test_a_lower_price_for_joining_teams_makes_checked_plans(instance: Instance) -> None:
    order = solve.orders(instance)["smith"]
    same = solve.priced_fill(instance, order, 2.0, 2.0)[1]
    assert np.array_equal(same, solve.priced_fill(instance, order, 2.0)[1])
    for boldness, joining in ((0.5, 6.0), (3.0, 0.0)):
        fleet, completion = solve.priced_fill(instance, order, boldness, joining)
        verdict = check_schedule(instance, fleet.rows)
        assert verdict.feasible, verdict.problems
        assert verdict.harm == pytest.approx(solve._harm(instance, completion), rel=1e-9)


def test_sampled_prices_follow_the_seed() -> None:
    names = ["smith", "smith_rate"]
    draws = [[solve._sample(np.random.default_rng(5), ("smith", 2.0, None, {}), names,
                            ["mdd", "mechanical"]) for _ in range(3)] for _ in range(2)]
    assert draws[0] == draws[1]
    assert all(b > 0 and j > 0 and n in names for n, b, j, _ in draws[0])
    assert all(sorted(f) == ["mdd", "mechanical"] and min(f.values()) > 0
               for _, _, _, f in draws[0])


def test_prices_by_team_type_make_checked_plans(instance: Instance) -> None:
    order = solve.orders(instance)["smith"]
    kinds = solve._priced_kinds(instance)
    assert len(kinds) == len({t.type for t in instance.teams}) - 1
    same = solve.priced_fill(instance, order, 1.5, 4.0, {kind: 1.0 for kind in kinds})[1]
    assert np.array_equal(same, solve.priced_fill(instance, order, 1.5, 4.0)[1])
    for factor in (0.3, 3.0):
        fleet, completion = solve.priced_fill(instance, order, 1.5, 4.0,
                                              {kind: factor for kind in kinds})
        verdict = check_schedule(instance, fleet.rows)
        assert verdict.feasible, verdict.problems
        assert verdict.harm == pytest.approx(solve._harm(instance, completion), rel=1e-9)


def test_each_process_has_priced_fills_to_sample_around() -> None:
    for part in (0, 1):
        assert any(fill == "priced" for fill, _, _ in solve.half(part))
    assert sorted(solve.half(0) + solve.half(1)) == sorted(solve.CONSTRUCTIONS)

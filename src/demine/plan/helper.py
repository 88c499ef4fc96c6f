"""The second search process of `demine.plan.solve.optimise` (run as
`python -m demine.plan.helper FILE`): reads the pickled (instance, deadline on the
`time.monotonic` clock, time limit, seed) that its parent wrote to FILE, and writes the pickled
`Result` of its half of the constructions and their search to standard output."""

from __future__ import annotations

import pickle
import sys
import time


def main() -> None:
    from demine.plan.solve import _optimise, half

    with open(sys.argv[1], "rb") as handle:
        instance, until, time_limit, seed = pickle.load(handle)  # our parent wrote it
    deadline = time.perf_counter() + (until - time.monotonic())
    result = _optimise(instance, deadline, time_limit, seed, half(1))
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()

"""The clearance planner: instances, schedules, an independent checker, baselines, a lower bound
and the optimiser."""

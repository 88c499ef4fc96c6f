"""Scenario generator and operations simulator."""

from demine.sim.run import Evaluation, evaluate, simulate

__all__ = ["Evaluation", "evaluate", "simulate"]

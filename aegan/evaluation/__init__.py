"""Evaluation: metrics computed from a trained method's samples and reconstructions."""

from aegan.evaluation.evaluator import Evaluator, quantise

__all__ = ["Evaluator", "quantise"]

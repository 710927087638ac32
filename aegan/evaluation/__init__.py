"""Evaluation: metrics computed from a trained method's samples."""

"""Fixtures shared by the evaluation tests: one trained digit classifier per session."""

import pytest

from aegan import train
from configs import classifier_digits


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory):
  """configs/classifier_digits.py, shortened: 300 iterations on 4 devices; (workdir, results).
  tests/evaluation/test_classifier.py and test_quality_gate.py share it."""
  config = classifier_digits.get_config()
  config.train.update(steps=300, log_every=100)
  config.eval.update(every=300, num_samples=1_000)
  config.checkpoint.every = 300
  workdir = str(tmp_path_factory.mktemp("classifier"))
  results = train.train_and_evaluate(config, workdir)
  return workdir, results

"""benchmarks/step_throughput.py's `--synthetic` stand-in leaves the data registry as it found
it, so that a process that goes on (the documented commands run in one) makes the real set."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# In a process of its own: the script's flags would clash with other benchmarks' in this one.
CHECK = """
import ml_collections
from aegan.data import DATASETS, make_dataset
from benchmarks import step_throughput
data = ml_collections.ConfigDict({"name": "stacked_mnist5k"})
real = DATASETS["stacked_mnist5k"]
with step_throughput.synthetic_data(data):
  inside = type(make_dataset(data)).__name__
print(inside, DATASETS["stacked_mnist5k"] is real, type(make_dataset(data)).__name__)
"""


def test_synthetic_images_stand_in_only_within_the_block():
  result = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=True)
  inside, restored, after = result.stdout.split()
  assert (inside, restored) == ("SyntheticImages", "True")
  assert after != "SyntheticImages"

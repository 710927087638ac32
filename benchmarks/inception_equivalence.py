"""aegan's FID Inception-v3 (aegan/evaluation/inception.py) against pytorch-fid's, on the same
random weights and images: max |difference| of pool3 features and logits, and seconds per 100
images of each on this CPU.

pytorch-fid's `InceptionV3` builds its network with `fid_inception_v3()`, which downloads the
real weights. Here that download is replaced by `torch.load` of a file this script writes: a
random network of the same structure (torchvision's Inception3 with pytorch-fid's FID blocks),
its BatchNorm gammas and betas drawn at random and its running statistics set to the batch
statistics of random images (so activations stay O(1) through 94 layers), saved with
`torch.save` in the zip layout (torch >= 1.6) and the legacy one (which files from before 1.6,
such as pytorch-fid's 2019 weights file likely are, use). pytorch-fid's strict
`load_state_dict` of that file checks it holds exactly its network's names and shapes; aegan
loads both layouts with `load_variables` and must get identical arrays. Both networks then see
the same uint8 images, resized by each framework's own bilinear resize.

PyTorch is not a dependency of this repository; run it from a separate environment that has
it and this repository's own dependencies:
  python3 -m venv /tmp/torchvenv
  /tmp/torchvenv/bin/pip install torch torchvision pytorch-fid -e .
  /tmp/torchvenv/bin/python benchmarks/inception_equivalence.py --threads=2
(torchvision's wheel must match the torch build: a CUDA torchvision next to a CPU-only torch
fails to import.)
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_fid import inception as pytorch_fid_inception

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position

from aegan.evaluation import inception  # pylint: disable=wrong-import-position


def random_fid_network(calibration_images: np.ndarray, seed: int) -> torch.nn.Module:
  """pytorch-fid's FID Inception structure, random weights, BN statistics from the images."""
  torch.manual_seed(seed)
  fid = pytorch_fid_inception
  net = fid._inception_v3(  # pylint: disable=protected-access
      num_classes=1008, aux_logits=False, weights=None)
  net.Mixed_5b = fid.FIDInceptionA(192, pool_features=32)
  net.Mixed_5c = fid.FIDInceptionA(256, pool_features=64)
  net.Mixed_5d = fid.FIDInceptionA(288, pool_features=64)
  net.Mixed_6b = fid.FIDInceptionC(768, channels_7x7=128)
  net.Mixed_6c = fid.FIDInceptionC(768, channels_7x7=160)
  net.Mixed_6d = fid.FIDInceptionC(768, channels_7x7=160)
  net.Mixed_6e = fid.FIDInceptionC(768, channels_7x7=192)
  net.Mixed_7b = fid.FIDInceptionE_1(1280)
  net.Mixed_7c = fid.FIDInceptionE_2(2048)
  for module in net.modules():
    if isinstance(module, torch.nn.BatchNorm2d):
      torch.nn.init.uniform_(module.weight, 0.5, 1.5)
      torch.nn.init.normal_(module.bias, 0.0, 0.2)
      module.reset_running_stats()
      module.momentum = None  # Cumulative average: the statistics of all calibration batches.
  net.train()
  with torch.no_grad():
    net(2 * F.interpolate(to_torch(calibration_images), size=(299, 299), mode="bilinear",
                          align_corners=False) - 1)
  return net.eval()


def to_torch(images: np.ndarray) -> torch.Tensor:
  """uint8 NHWC -> float NCHW in [0, 1], as pytorch-fid's ToTensor."""
  return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0


def torch_features(model: torch.nn.Module, state: dict, images: np.ndarray, batch_size: int
                   ) -> tuple[np.ndarray, np.ndarray]:
  pool3 = []
  with torch.no_grad():
    for start in range(0, len(images), batch_size):
      pool3.append(model(to_torch(images[start:start + batch_size]))[0].flatten(1))
  pool3 = torch.cat(pool3)
  logits = pool3 @ state["fc.weight"].T + state["fc.bias"]
  return pool3.numpy(), logits.numpy()


def seconds_per_100(function, images: np.ndarray) -> float:
  function(images[:1])  # Warm-up (and compilation, for JAX).
  start = time.perf_counter()
  function(images)
  return (time.perf_counter() - start) * 100 / len(images)


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--num_images", type=int, default=8)
  parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 299])
  parser.add_argument("--timing_images", type=int, default=100, help="0: no timing")
  parser.add_argument("--batch_size", type=int, default=50)
  parser.add_argument("--threads", type=int, default=2, help="PyTorch intra-op threads")
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  torch.set_num_threads(args.threads)
  rng = np.random.default_rng(args.seed)
  net = random_fid_network(rng.integers(0, 256, (16, 32, 32, 3), np.uint8), args.seed)
  state = net.state_dict()
  print(f"pytorch-fid FID Inception: {sum(p.numel() for p in net.parameters()):,} parameters, "
        f"{len(state)} state-dict entries; aegan: " + ", ".join(
            f"{sum(x.size for x in jax.tree.leaves(tree)):,} {name}"
            for name, tree in inception.variable_shapes().items()))

  with tempfile.TemporaryDirectory() as folder:
    zip_path, legacy_path = os.path.join(folder, "zip.pth"), os.path.join(folder, "legacy.pth")
    torch.save(state, zip_path)
    torch.save(state, legacy_path, _use_new_zipfile_serialization=False)
    pytorch_fid_inception.load_state_dict_from_url = lambda url, progress=True: torch.load(zip_path)
    model = pytorch_fid_inception.InceptionV3([3]).eval()
    variables = inception.load_variables(zip_path)
    legacy_variables = inception.load_variables(legacy_path)
  same = jax.tree.all(jax.tree.map(np.array_equal, variables, legacy_variables))
  print(f"zip and legacy files load to identical variables: {same}")

  features = inception.feature_function(variables, batch_size=args.batch_size)
  print(f"resize: {inception.RESIZE}")
  print("| image size | max abs diff pool3 | max abs pool3 | max abs diff logits | "
        "max abs logits |\n|---|---|---|---|---|")
  for size in args.sizes:
    images = rng.integers(0, 256, (args.num_images, size, size, 3), np.uint8)
    torch_pool3, torch_logits = torch_features(model, state, images, args.batch_size)
    jax_pool3, jax_logits = features(images)
    print(f"| {size}x{size} | {np.abs(jax_pool3 - torch_pool3).max():.2e} | "
          f"{np.abs(torch_pool3).max():.3f} | {np.abs(jax_logits - torch_logits).max():.2e} | "
          f"{np.abs(torch_logits).max():.3f} |")

  if args.timing_images:
    images = rng.integers(0, 256, (args.timing_images, 32, 32, 3), np.uint8)
    jax_seconds = seconds_per_100(features, images)
    torch_seconds = seconds_per_100(
        lambda x: torch_features(model, state, x, args.batch_size), images)
    print(f"seconds per 100 32x32 images, batch {args.batch_size}: aegan/JAX {jax_seconds:.2f}, "
          f"pytorch-fid/PyTorch ({args.threads} threads) {torch_seconds:.2f}")


if __name__ == "__main__":
  main()

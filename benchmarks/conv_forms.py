"""Milliseconds per jitted fwd+bwd (value_and_grad of the mean output w.r.t. params and input,
BN in training mode) of the Stacked-MNIST protocols' generators and discriminators, with every
convolution left to XLA against `aegan.models.conv.conv2d`'s rule (patches and one matmul where
a convolution's output is narrower than its kernel), the two settings timed round-robin in one
process so that any load falls on both; best and median of the repeats.

  python benchmarks/conv_forms.py                        # batch 64 (protocol V's), 5 repeats
  python benchmarks/conv_forms.py --batch=2 --repeats=1 --networks=v_discriminator  # a quick look
"""

import os
import sys
import time
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags  # pylint: disable=wrong-import-position

from aegan.models import conv  # pylint: disable=wrong-import-position
from benchmarks.network_step import compiled_step  # pylint: disable=wrong-import-position
from configs import stacked_m, stacked_v  # pylint: disable=wrong-import-position

_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed calls per setting.")
_NETWORKS = flags.DEFINE_list("networks", ["v_generator", "v_discriminator", "m_generator",
                                           "m_discriminator"], "Networks to time (`networks`).")
SHAPE = (28, 28, 3)


def networks() -> dict[str, tuple[conv.nn.Module, int | None]]:
  """name -> (network, latent size for a generator or None for an image-reading one): protocol
  V's (`v_`) and protocol M's at D = 1/4 G (`m_`) DCGAN networks."""
  fields = lambda section: {k: v for k, v in section.items() if k != "kind"}  # noqa: E731
  v_model = stacked_v.get_config("dcgan").model
  m_model = stacked_m.get_config("dcgan,quarter").model
  return {
      "v_generator": (conv.ConvGenerator(SHAPE, **fields(v_model.generator)), stacked_v.LATENT_DIM),
      "v_discriminator": (conv.ConvDiscriminator(**fields(v_model.discriminator)), None),
      "m_generator": (conv.ConvGenerator(SHAPE, **fields(m_model.generator)), stacked_m.LATENT_DIM),
      "m_discriminator": (conv.ConvDiscriminator(**fields(m_model.discriminator)), None),
  }


def main(_):
  batch = _BATCH.value
  print(f"batch {batch}, {jax.device_count()} {jax.devices()[0].platform} device(s)")
  steps, layers = {}, {}
  every = networks()
  chosen = {name: every[name] for name in _NETWORKS.value}
  for name, (model, latent) in chosen.items():
    x = (jax.random.normal(jax.random.PRNGKey(1), (batch, latent)) if latent else
         jax.random.uniform(jax.random.PRNGKey(2), (batch, *SHAPE), minval=-1, maxval=1))
    with mock.patch.object(conv, "patches_conv", wraps=conv.patches_conv) as patches:
      steps[name, "rule"] = compiled_step(model, x)
    layers[name] = len({(call.args[0].shape, call.args[1].shape) for call in patches.call_args_list})
    with mock.patch.object(conv, "uses_patches", lambda *_: False):  # Traced inside: XLA only.
      steps[name, "xla"] = compiled_step(model, x)
  times = {key: [] for key in steps}
  for _ in range(_REPEATS.value):
    for key, step in steps.items():
      start = time.perf_counter()
      step()
      times[key].append(1e3 * (time.perf_counter() - start))
  rows = ["| network | layers as patches | XLA only, ms best / median | conv2d's rule, ms best / "
          "median | speed-up (best) |", "|---|---|---|---|---|"]
  for name in chosen:
    xla, rule = times[name, "xla"], times[name, "rule"]
    rows.append(f"| {name} | {layers[name]} | {min(xla):,.0f} / {np.median(xla):,.0f} | "
                f"{min(rule):,.0f} / {np.median(rule):,.0f} | {min(xla) / min(rule):.1f}x |")
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)

"""benchmarks/torch_dcgan_step.py, the PyTorch twin of the conv GAN and PacGAN step (PyTorch:
skipped where it is not installed, as in CI): its networks have the JAX networks' parameter
counts, and its iteration draws and updates as aegan/methods/gan.py does."""

import os
import sys

import jax
import numpy as np
import pytest

torch = pytest.importorskip("torch")
BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "benchmarks")
sys.path.insert(0, BENCHMARKS)  # The benchmarks import each other by name.
import torch_dcgan_step  # pylint: disable=import-error,wrong-import-position

from aegan.methods import init_variables, make_method  # pylint: disable=wrong-import-position


@pytest.mark.parametrize("config", ["dcgan_stacked_digits.py", "stacked_m.py:dcgan,quarter",
                                    "stacked_m.py:pacgan3,half", "stacked_v.py:pacgan2"])
def test_the_twins_networks_have_the_jax_networks_parameter_counts(config):
  """Built from the config's sections (upsampling mode, kernels, base side, output conv,
  strides with SAME padding, packing), each network has exactly the JAX network's parameters,
  and the generator draws images of the data's shape."""
  config = torch_dcgan_step.load_config(os.path.join(BENCHMARKS, "..", "configs", config))
  step = torch_dcgan_step.Step(config)
  method = make_method(config, step.shape)
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  for name, net in step.nets.items():
    jax_count = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(params[name]))
    assert sum(p.numel() for p in net.parameters()) == jax_count, name
  height, width, channels = step.shape
  assert step.nets["generator"](torch.zeros(2, step.latent)).shape == (2, channels, height, width)


def test_two_discriminator_and_two_generator_updates_draw_as_the_jax_step():
  """2 discriminator updates, each on its own (x, z), then 2 generator updates, both on the
  first update's z (`first = first or z` once raised on a tensor's truth value); z uniform on
  [-1, 1] under the uniform prior; each Adam stepped as many times as its network updated."""
  config = torch_dcgan_step.load_config(os.path.join(BENCHMARKS, "..", "configs", "dcgan_stacked_digits.py"))
  config.model.update(latent_dim=4, prior="uniform")
  config.model.generator.width = config.model.discriminator.width = 4
  config.train.batch_size = 2
  config.loss.update(discriminator_updates=2, generator_updates=2)
  torch.manual_seed(0)
  step = torch_dcgan_step.Step(config)
  inputs = []
  step.nets["generator"].register_forward_pre_hook(lambda module, args: inputs.append(args[0].clone()))
  torch.manual_seed(1)
  loss_d, loss_g = step()
  # The draws in order: x, z of the first update, then x, z of the second.
  torch.manual_seed(1)
  draws = []
  for _ in range(2):
    torch.rand((2,) + tuple(np.roll(step.shape, 1)))
    draws.append(torch.rand(2, 4) * 2 - 1)
  assert len(inputs) == 4  # G(z) in each discriminator update, then G(first) twice.
  for got, expected in zip(inputs, [draws[0], draws[1], draws[0], draws[0]]):
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
  steps = {name: {int(state["step"]) for state in opt.state.values()}
           for name, opt in step.optimizers.optimizers.items()}
  assert steps == {"discriminator": {2}, "generator": {2}}
  assert loss_d > 0 and loss_g > 0  # Softplus terms: positive.

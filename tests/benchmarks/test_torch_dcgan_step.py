"""benchmarks/torch_dcgan_step.py's iteration with several discriminator updates (PyTorch: skipped
where it is not installed, as in CI)."""

import os
import sys

import pytest

torch = pytest.importorskip("torch")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "benchmarks"))  # The benchmarks import each other by name.
import torch_dcgan_step  # pylint: disable=import-error,wrong-import-position


def test_two_discriminator_updates_then_the_generator_on_the_first_draws():
  """`first = first or z` raised on a tensor's truth value once a second update drew z."""
  shape, latent, batch = (16, 16, 3), 4, 2
  torch.manual_seed(0)
  nets = {"generator": torch_dcgan_step.Generator(latent, 4, shape, True).train(),
          "discriminator": torch_dcgan_step.Discriminator(4, shape, True).train()}
  opts = {name: torch.optim.Adam(net.parameters(), lr=1e-3) for name, net in nets.items()}
  schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, lambda count: 1.0)
                for name, opt in opts.items()}
  inputs = []
  nets["generator"].register_forward_pre_hook(lambda module, args: inputs.append(args[0].clone()))
  torch.manual_seed(1)
  loss_d, loss_g = torch_dcgan_step.gan_iteration(nets, opts, schedulers, 2, batch, shape, latent)
  # The draws in order: x, z of the first update, then x, z of the second.
  torch.manual_seed(1)
  draws = []
  for _ in range(2):
    torch.rand((batch, shape[2], shape[0], shape[1]))
    draws.append(torch.randn(batch, latent))
  assert len(inputs) == 3  # G(z) in each discriminator update, then the generator's G(first).
  torch.testing.assert_close(inputs[0], draws[0], rtol=0, atol=0)
  torch.testing.assert_close(inputs[1], draws[1], rtol=0, atol=0)
  torch.testing.assert_close(inputs[2], draws[0], rtol=0, atol=0)
  steps = {name: {int(state["step"]) for state in opt.state.values()} for name, opt in opts.items()}
  assert steps == {"discriminator": {2}, "generator": {1}}
  assert loss_d > 0 and loss_g > 0  # Softplus terms: positive.

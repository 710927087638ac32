"""The timed unit of the network benchmarks (benchmarks/upsampling.py, benchmarks/conv_forms.py):
one network's jitted fwd+bwd, with no flags of its own so that any benchmark can import it."""

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp


def compiled_step(model: nn.Module, x: jax.Array) -> Callable[[], object]:
  """A jitted, compiled and warmed-up value_and_grad of mean(model(x)) w.r.t. params and x, BN
  in training mode: call it to time one fwd+bwd (it blocks until the result is ready)."""
  variables = jax.jit(model.init)(jax.random.PRNGKey(0), x)

  def loss(params, x):
    out, _ = model.apply({**variables, "params": params}, x, train=True, mutable=["batch_stats"])
    return jnp.mean(out)

  step = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
  jax.block_until_ready(step(variables["params"], x))
  return lambda: jax.block_until_ready(step(variables["params"], x))

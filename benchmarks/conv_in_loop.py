"""A minimal reproduction of XLA:CPU running convolutions inside a loop (`lax.scan`, a while
loop in HLO) far slower than the same convolutions dispatched one call at a time.

One step is the forward and backward pass of a 3x3 SAME convolution, 64 -> 128 channels, on a
batch of 64 16x16 images, followed by an SGD update of the kernel (so the iterations depend on
each other). It runs `--iterations` times as separate jitted calls and as one jitted
`lax.scan` over as many iterations, with the kernel gradient XLA's way (autodiff's
convolution) and as 9 shifted matrix products, dW[i, j] = Σ_{b,h,w} x_pad[b, h+i, w+j] dY[b, h, w]
(a `jax.custom_vjp`); every form prints ms per iteration.

Why (the optimised HLO, `--dump`): outside the loop XLA:CPU turns the kernel-gradient
convolution into its canonical form (dim_labels b01f_01io->b01f, run by its Eigen convolution);
inside the while loop it stays f01b_i01o->01bf, which XLA:CPU emits as a naive loop nest. The
forward convolution is canonical in both. Upstream: jax-ml/jax#12868 (open).

  python benchmarks/conv_in_loop.py
  XLA_FLAGS=--xla_cpu_experimental_onednn_custom_call=true python benchmarks/conv_in_loop.py
  python benchmarks/conv_in_loop.py --dump=/tmp/conv_hlo   # HLO after optimisations, both forms
"""

import argparse
import os
import time


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--iterations", type=int, default=4)
  parser.add_argument("--repeats", type=int, default=3, help="Timed repeats; the best is kept.")
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--size", type=int, default=16)
  parser.add_argument("--channels", default="64,128", help="in,out")
  parser.add_argument("--dump", default=None, help="Directory for XLA's optimised HLO.")
  args = parser.parse_args()
  if args.dump:  # Read by XLA when JAX starts, so set before importing it.
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_dump_to={args.dump} --xla_dump_hlo_pass_re=^$").strip()
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel

  cin, cout = (int(c) for c in args.channels.split(","))
  x = jax.random.normal(jax.random.PRNGKey(0), (args.batch, args.size, args.size, cin))
  w = 0.05 * jax.random.normal(jax.random.PRNGKey(1), (3, 3, cin, cout))

  def conv(x, w):
    return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))

  def loss(w, x):
    return jnp.mean(jnp.square(conv(x, w)))

  @jax.custom_vjp
  def conv_by_slices(x, w):
    return conv(x, w)

  def conv_forward(x, w):
    return conv(x, w), (x, w)

  def conv_backward(residuals, dy):
    x, w = residuals
    dx = jax.vjp(lambda x: conv(x, w), x)[1](dy)[0]
    padded, size = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))), x.shape[1]
    dw = jnp.stack([jnp.stack([jnp.einsum("bhwi,bhwo->io", padded[:, i:i + size, j:j + size], dy)
                               for j in range(3)]) for i in range(3)])
    return dx, dw

  conv_by_slices.defvjp(conv_forward, conv_backward)

  def sliced_loss(w, x):
    return jnp.mean(jnp.square(conv_by_slices(x, w)))

  def forms_of(loss):
    def step(w, x):
      return w - 1e-3 * jax.grad(loss, argnums=(0, 1))(w, x)[0]

    one = jax.jit(step)
    looped = jax.jit(lambda w, x: jax.lax.scan(lambda w, _: (step(w, x), None), w,
                                               length=args.iterations)[0])

    def unfused(w):
      for _ in range(args.iterations):
        w = one(w, x)
      return w
    return unfused, lambda w: looped(w, x)

  xla_unfused, xla_scan = forms_of(loss)
  sliced_unfused, sliced_scan = forms_of(sliced_loss)
  forms = {"one iteration per call": xla_unfused, "lax.scan": xla_scan,
           "sliced dW, per call": sliced_unfused, "sliced dW, lax.scan": sliced_scan}
  for form in forms.values():
    form(w).block_until_ready()  # compile
  best = {name: float("inf") for name in forms}
  for _ in range(args.repeats):  # In turn, so both see the same load.
    for name, form in forms.items():
      start = time.perf_counter()
      form(w).block_until_ready()
      best[name] = min(best[name], (time.perf_counter() - start) / args.iterations)
  print(f"conv 3x3 {cin}->{cout}, {args.batch}x{args.size}x{args.size}, fwd+bwd+update; "
        f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; jax {jax.__version__}")
  for name, seconds in best.items():
    print(f"  {name:24s} {1e3 * seconds:9.1f} ms/iteration")
  np.testing.assert_allclose(sliced_scan(w), xla_unfused(w), rtol=1e-4, atol=1e-6)
  print(f"  scan / unfused: {best['lax.scan'] / best['one iteration per call']:.1f}x")


if __name__ == "__main__":
  main()

"""Mixtures of isotropic Gaussians: the synthetic mode-collapse benchmarks of VEEGAN Table 1.

Ring: K modes evenly spaced on a circle (VEEGAN: 8 modes, radius 1 [paper, figure axes], std
0.01 [PacGAN's re-run]). Grid: an n x n lattice (VEEGAN: 25 modes at {-4, -2, 0, 2, 4}², std
0.05 [paper]). Every mode has equal weight.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class GaussianMixture:
  """An equal-weight mixture of N(mean_k, std² I); `means` is a [K, D] numpy array."""

  means: np.ndarray
  std: float

  @property
  def num_modes(self) -> int:
    return self.means.shape[0]

  @property
  def example_shape(self) -> tuple[int, ...]:
    return (self.means.shape[1],)

  def arrays(self, split: str) -> dict[str, np.ndarray]:
    """Nothing to hold on device: a mixture is generated from the key alone."""
    del split
    return {}

  def sample_labelled(self, arrays: dict[str, jax.Array], key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One example and its mode: a uniformly chosen mode plus std-scaled Gaussian noise."""
    del arrays
    mode_key, noise_key = jax.random.split(key)
    mode = jax.random.randint(mode_key, (), 0, self.num_modes)
    noise = jax.random.normal(noise_key, self.example_shape)
    return jnp.asarray(self.means, jnp.float32)[mode] + self.std * noise, mode

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array:
    return self.sample_labelled(arrays, key)[0]


def ring(num_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
  """`num_modes` Gaussians at angles 2πk/K on a circle of `radius`."""
  angles = 2 * np.pi * np.arange(num_modes) / num_modes
  means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
  return GaussianMixture(means.astype(np.float32), std)


def grid(size: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
  """`size`² Gaussians on a square lattice with `spacing`, centred on the origin."""
  coords = spacing * (np.arange(size) - (size - 1) / 2)
  means = np.stack(np.meshgrid(coords, coords, indexing="ij"), axis=-1).reshape(-1, 2)
  return GaussianMixture(means.astype(np.float32), std)

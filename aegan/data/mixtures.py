"""Mixtures of Gaussians: the synthetic mode-collapse benchmarks of VEEGAN Table 1.

Ring: K modes evenly spaced on a circle (VEEGAN: 8 modes, radius 1 [paper, figure axes], std
0.01 [PacGAN's re-run]). Grid: an n x n lattice (VEEGAN: 25 modes at {-4, -2, 0, 2, 4}², std
0.05 [paper]). Every mode has equal weight.

1200-D (VEEGAN Section 5.1: "ten Gaussians of dimension 700 embedded in 1200 dimensions"; the
paper leaves spread and embedding open, so these are ours, every one a config field): mode k
is N(μ_k, std² P_k) where P_k projects onto `subspace_dim` of the `dim` coordinates, a subset
drawn per mode with `embed_seed` (an axis-aligned embedding: sampling costs one mask, where a
rotated 700-D basis would cost a 1200x700 product per example), and μ_k ~ N(0, spread² I), also
from `embed_seed`. `subspace="shared"` builds the other reading of the paper's sentence: one
subset for every mode, with the means inside it. High quality is judged per subspace
dimension: the distance to the nearest mean over √subspace_dim, in units of std (`hq_unit` =
std·√subspace_dim), so a true sample sits at ~1 unit and the paper's threshold of 10 accepts
it; spread 1, std 0.05 put the means ~49 apart and the 10-unit radius at 13.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class GaussianMixture:
  """An equal-weight mixture of N(mean_k, std² diag(masks_k)); `means` is a [K, D] numpy array
  and `masks` [K, D] 0/1 marks the coordinates each mode varies in (None: all of them). With
  `basis` [S, D] (orthonormal rows) every mode varies in the S-D span of its rows instead:
  N(mean_k, std² basisᵀ basis). A standardised mixture (`standardised`) remembers the map it
  applied: x = data_scale·x' + data_offset carries its coordinates x' back to the data config's
  x (`to_data_units`; `data_offset` [D], None for a mixture in the config's own coordinates)."""

  means: np.ndarray
  std: float
  masks: np.ndarray | None = None
  basis: np.ndarray | None = None
  data_scale: float = 1.0
  data_offset: np.ndarray | None = None

  @property
  def hq_unit(self) -> float:
    """The distance one high-quality threshold unit stands for: std for full-rank modes (as
    VEEGAN's 2-D protocol), std·√subspace_dim for modes in a subspace (module docstring)."""
    if self.basis is not None:
      return self.std * float(np.sqrt(self.basis.shape[0]))
    return self.std if self.masks is None else self.std * float(np.sqrt(self.masks[0].sum()))

  @property
  def scale(self) -> float:
    """The root-mean-square distance of a sample from the mixture's mean:
    s = √E‖x − E[x]‖² = √(mean_k ‖μ_k − μ̄‖² + std² S), S the dimension each mode varies in
    (D for full-rank modes). A ring of radius r: √(r² + 2 std²)."""
    centred = self.means - self.means.mean(axis=0)
    varying = (self.basis.shape[0] if self.basis is not None
               else self.masks[0].sum() if self.masks is not None else self.means.shape[1])
    return float(np.sqrt(np.mean(np.sum(centred**2, axis=1)) + self.std**2 * varying))

  def standardised(self) -> "GaussianMixture":
    """The same mixture in standardised coordinates x' = (x − E[x]) / s (`scale`): mean 0, a
    sample at root-mean-square distance 1 from it (VEEGAN's ring of radius 1 is left as it is,
    to within std²). Every evaluation measure (modes, high quality, mode KL) is unchanged by
    it, since means, std and the threshold unit all scale by 1/s. The result remembers the map
    back, x = s·x' + E[x] (composed with this mixture's own, if it is standardised already)."""
    scale, centre = self.scale, self.means.mean(axis=0)
    return dataclasses.replace(
        self, means=(self.means - centre) / scale, std=self.std / scale,
        data_scale=self.data_scale * scale,
        data_offset=self.to_data_units(centre[None])[0].astype(np.float64))

  def to_data_units(self, x: np.ndarray | jax.Array) -> np.ndarray | jax.Array:
    """Float32 points x' [..., D] of this mixture's coordinates (its samples, a generator's;
    numpy, or jax, traced too) in the data config's: data_scale·x' + data_offset in float32;
    `x` itself (bitwise) for a mixture that was never standardised."""
    if self.data_offset is None:
      return x
    return x * np.float32(self.data_scale) + self.data_offset.astype(np.float32)

  def in_data_units(self) -> "GaussianMixture":
    """The same mixture in the data config's coordinates (the one `standardised` was called
    on, to float32 rounding of its means): the protocol a user's samples are scored against.
    Itself for a mixture that was never standardised."""
    if self.data_offset is None:
      return self
    return dataclasses.replace(self, means=self.to_data_units(self.means),
                               std=self.std * self.data_scale, data_scale=1.0, data_offset=None)

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
    if self.basis is not None:
      noise = jax.random.normal(noise_key, self.basis.shape[:1]) @ jnp.asarray(self.basis, jnp.float32)
    else:
      noise = jax.random.normal(noise_key, self.example_shape)
    if self.masks is not None:
      noise = noise * jnp.asarray(self.masks, jnp.float32)[mode]
    return jnp.asarray(self.means, jnp.float32)[mode] + self.std * noise, mode

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array:
    return self.sample_labelled(arrays, key)[0]


def _standardised_if(mixture: GaussianMixture, standardise: bool) -> GaussianMixture:
  return mixture.standardised() if standardise else mixture


def ring(num_modes: int = 8, radius: float = 1.0, std: float = 0.01,
         standardise: bool = False) -> GaussianMixture:
  """`num_modes` Gaussians at angles 2πk/K on a circle of `radius`; `standardise`: in
  standardised coordinates (`GaussianMixture.standardised`)."""
  angles = 2 * np.pi * np.arange(num_modes) / num_modes
  means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
  return _standardised_if(GaussianMixture(means.astype(np.float32), std), standardise)


def grid(size: int = 5, spacing: float = 2.0, std: float = 0.05,
         standardise: bool = False) -> GaussianMixture:
  """`size`² Gaussians on a square lattice with `spacing`, centred on the origin; `standardise`:
  in standardised coordinates (`GaussianMixture.standardised`)."""
  coords = spacing * (np.arange(size) - (size - 1) / 2)
  means = np.stack(np.meshgrid(coords, coords, indexing="ij"), axis=-1).reshape(-1, 2)
  return _standardised_if(GaussianMixture(means.astype(np.float32), std), standardise)


def mixture_1200d(num_modes: int = 10, dim: int = 1200, subspace_dim: int = 700,
                  spread: float = 1.0, std: float = 0.05, embed_seed: int = 0,
                  subspace: str = "per_mode") -> GaussianMixture:
  """`num_modes` Gaussians of std `std` in `subspace_dim` random coordinates of `dim`: the
  VEEGAN 1200-D set as constructed in the module docstring. `subspace` picks the reading of
  "Gaussians of dimension 700 embedded in 1200 dimensions":
    "per_mode"  each mode varies in its own coordinates, means ~ N(0, spread² I) in all `dim`
                (the default, as measured in docs/results.md);
    "shared"    a mixture in one `subspace_dim`-D space embedded in `dim`: every mode varies in
                the same coordinates and the means ~ N(0, spread² I) lie in them (0 elsewhere);
    "rotated"   the same mixture embedded by a random rotation instead: a `subspace_dim`-D
                mixture (means ~ N(0, spread² I)) mapped into `dim` by a random orthonormal
                basis, so every coordinate of a sample varies (a 700x1200 product per example).
  """
  rng = np.random.default_rng(embed_seed)
  if subspace == "per_mode":
    means = spread * rng.standard_normal((num_modes, dim))
    masks = np.zeros((num_modes, dim), np.float32)
    for mask in masks:
      mask[rng.choice(dim, subspace_dim, replace=False)] = 1
  elif subspace == "shared":
    mask = np.zeros(dim, np.float32)
    mask[rng.choice(dim, subspace_dim, replace=False)] = 1
    masks = np.tile(mask, (num_modes, 1))
    means = spread * rng.standard_normal((num_modes, dim)) * mask
  elif subspace == "rotated":
    basis = np.linalg.qr(rng.standard_normal((dim, subspace_dim)))[0].T  # [S, D], orthonormal rows.
    means = spread * rng.standard_normal((num_modes, subspace_dim)) @ basis
    return GaussianMixture(means.astype(np.float32), std, basis=basis.astype(np.float32))
  else:
    raise ValueError(f"subspace={subspace!r}: choose 'per_mode', 'shared' or 'rotated'")
  return GaussianMixture(means.astype(np.float32), std, masks)

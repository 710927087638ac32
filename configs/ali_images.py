"""ALI (Dumoulin et al. 2017, arXiv 1606.00704), VEEGAN Table 2's ALI row, on its image sets:

  python launch/main.py --config=configs/ali_images.py:stacked_mnist5k     # or stacked_mnist, cifar10

VEEGAN's table does not say which networks or optimizer its ALI used [open; docs/papers.md], so,
as on the mixtures (configs/ali_ring.py), this is VEEGAN's image recipe (configs/veegan_cifar.py)
with the method changed and nothing else, and the rows differ in the method only:
- generator: DCGAN at width 64 on z ~ N(0, I), 100-D [DCGAN; VEEGAN's recipe], with no extra
  noise input (VEEGAN's unreconstructed ε is VEEGAN's own);
- encoder: VEEGAN's reconstructor network (the DCGAN discriminator trunk at width 64, BatchNorm)
  with 2·100 outputs, the mean and log-std of q(z|x) = N(μ(x), diag σ(x)²), ẑ = μ + σ ⊙ ε
  [Dumoulin et al. 2017, Section 2; their code, ali/bricks.py];
- joint discriminator D(x, z): VEEGAN's (conv trunk on x, 512 units on z, a 512-unit head),
  labelling encoder pairs (x, ẑ) 1 and generator pairs (G(z), z) 0 [ALI's value function];
- generator and encoder: one non-saturating loss against the flipped labels [ALI's code,
  ali/bricks.py `compute_losses`]; one discriminator update per iteration [ALI's code];
- Adam lr 2e-4, β1 0.5 for the three networks, batch 64, 100k iterations [VEEGAN's recipe: DCGAN's
  optimizer; ALI's own CIFAR-10 runs used Adam 1e-4, β1 0.5, batch 100, Dumoulin et al.
  Appendix A, not used here so that the rows share one recipe].
Stacked sets count modes with a digit classifier, CIFAR-10 reports reconstructions and (with
`eval.ivom`) inference via optimisation (configs/images.py).
"""

import ml_collections

from configs import ali_ring, images, veegan_cifar


def get_config(data: str = "stacked_mnist5k") -> ml_collections.ConfigDict:
  config = ali_ring.as_ali(veegan_cifar.veegan(images.data(data, images.STACKED_SETS)))
  return images.with_protocol(config)

"""A CIFAR-10 classifier trained by the codebase: the offline feature network of FID, KID and
the Inception score on CIFAR-10 (the α-GAN paper's "Inception score computed with a CIFAR-10
classifier", whose network is not published [docs/papers.md, α-GAN]).

  python launch/main.py --config=configs/classifier_cifar.py       # -> runs/classifier_cifar
  python launch/main.py --config=configs/alpha_gan_cifar.py \\
      --config.eval.features.network=classifier --config.eval.features.workdir=runs/classifier_cifar

configs/classifier_digits.py's recipe at CIFAR-10's size [ours]: a conv encoder of width 64
without BatchNorm (64 -> 128 -> 256 channels down to 4x4, a hidden layer of 128 units, whose
activations are the features, then the 10 logits), Adam 1e-3, batches of 128 with Gaussian
input noise of std 0.1, 20,000 iterations (51 epochs); `eval/accuracy` on 2,000 test draws.
Unmeasured here (no CIFAR-10 offline); scores computed with it compare only with each other.
"""

import ml_collections

from configs import classifier_digits, common


def get_config() -> ml_collections.ConfigDict:
  return classifier_digits.classifier(common.cifar10(), steps=20_000, width=64)

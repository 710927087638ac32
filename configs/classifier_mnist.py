"""The MNIST digit classifier that counts modes on Stacked-MNIST (VEEGAN's protocol: "a
pretrained MNIST classifier labels each channel of 26,000 generated samples"; its architecture
is not published [docs/papers.md, VEEGAN]).

  python launch/main.py --config=configs/classifier_mnist.py       # -> runs/classifier_mnist
  python launch/main.py --config=configs/classifier_mnist.py:color_mnist  # -> runs/classifier_mnist_color_mnist

configs/classifier_digits.py's recipe on MNIST (28x28, one channel), 5,000 iterations of batch
128 (~13 epochs) [ours]; `eval/accuracy` is measured on 2,000 draws from the test split.
`:color_mnist` trains the same recipe on ColorMNIST (label = digit): the "dataset classifier"
of its Inception score and FID (α-GAN, Section 5, scores with a classifier trained on the data
set [docs/papers.md, α-GAN]).
"""

import ml_collections

from configs import classifier_digits, common


SETS = {"mnist": common.mnist, "color_mnist": common.color_mnist}


def get_config(data: str = "mnist") -> ml_collections.ConfigDict:
  if data not in SETS:
    raise ValueError(f"unknown set {data!r} for this config: choose one of {list(SETS)}")
  return classifier_digits.classifier(SETS[data](), steps=5_000)

"""The MNIST digit classifier that counts modes on Stacked-MNIST (VEEGAN's protocol: "a
pretrained MNIST classifier labels each channel of 26,000 generated samples"; its architecture
is not published [docs/papers.md, VEEGAN]).

  python launch/main.py --config=configs/classifier_mnist.py       # -> runs/classifier_mnist

configs/classifier_digits.py's recipe on MNIST (28x28, one channel), 5,000 iterations of batch
128 (~13 epochs) [ours]; `eval/accuracy` is measured on 2,000 draws from the test split.
"""

import ml_collections

from configs import classifier_digits, common


def get_config() -> ml_collections.ConfigDict:
  return classifier_digits.classifier(common.mnist(), steps=5_000)

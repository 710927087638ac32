"""The MNIST digit classifier of the offline sets: counts modes on stacked_mnist5k (VEEGAN's
Stacked-MNIST protocol: "a pretrained MNIST classifier labels each channel of 26,000 generated
samples"; its architecture is not published [docs/papers.md, VEEGAN]) and gives the
"dataset classifier" features of FID/KID/IS on stacked_mnist5k and color_mnist5k.

  python launch/main.py --config=configs/classifier_mnist5k.py      # -> runs/classifier_mnist5k

configs/classifier_digits.py's recipe on mnist5k (28x28, one channel; 4,000 training digits,
aegan/data/mnist5k.py) for 3,000 iterations of batch 128 (~96 epochs) [ours]; `eval/accuracy`
is measured on 2,000 draws from the 1,000 test digits.
"""

import ml_collections

from configs import classifier_digits, common


def get_config() -> ml_collections.ConfigDict:
  return classifier_digits.classifier(common.mnist5k(), steps=3_000)

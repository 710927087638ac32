"""The digit classifier that counts modes on stacked_digits (VEEGAN's Stacked-MNIST protocol on
the offline stand-in): scikit-learn's digits at 16x16, one channel, 10 classes.

  python launch/main.py --config=configs/classifier_digits.py      # -> runs/classifier_digits

A conv encoder of width 32 without BatchNorm (32 -> 64 channels, a hidden layer of 128 units,
whose activations are the features of FID/KID on stacked_digits, then a linear layer to the 10
logits), trained with Adam 1e-3 on batches of 128 with Gaussian input noise of std 0.1
(aegan/methods/classifier.py) for 1,500 iterations [ours]. The final evaluation reports
`eval/accuracy` on the test split (the last 20% of the digits); evaluation configs of stacked
runs name this run's workdir to label each channel of their samples.
"""

import ml_collections

from configs import common


def classifier(data: dict, steps: int, width: int = 32) -> ml_collections.ConfigDict:
  """The recipe on any labelled image set of 10 classes."""
  return ml_collections.ConfigDict(dict(
      method="classifier",
      seed=0,
      data=data,
      model=dict(num_classes=10, classifier=common.conv(width, batch_norm=False, hidden=(128,))),
      loss=dict(input_noise_std=0.1),
      optimizer=dict(classifier=common.adam(1e-3, b1=0.9)),
      **common.image_schedule(steps, batch_size=128, log_every=100, eval_every=steps,
                              checkpoint_every=steps, eval_samples=2_000),
  ))


def get_config() -> ml_collections.ConfigDict:
  return classifier(dict(name="digits", image_size=16), steps=1_500)

"""Pieces shared by the experiment configs: the VEEGAN paper's mixtures, MLPs, optimizers.

Every config file is plain Python: `get_config()` returns an ml_collections.ConfigDict, and
any field can be overridden on the command line (`--config.train.steps=2000`).
"""

import ml_collections


def ring() -> dict:
  """8 Gaussians on a circle of radius 1 [VEEGAN, figure axes], std 0.01 [PacGAN's re-run]."""
  return dict(name="ring", num_modes=8, radius=1.0, std=0.01)


def grid() -> dict:
  """25 Gaussians at {-4, -2, 0, 2, 4}², std 0.05 [VEEGAN, Section 5.1]."""
  return dict(name="grid", size=5, spacing=2.0, std=0.05)


def mlp(hidden: tuple[int, ...], activation: str = "relu") -> dict:
  return dict(hidden=hidden, activation=activation)


def adam(learning_rate: float, b1: float = 0.5, b2: float = 0.999, schedule: str = "constant",
         decay_steps: int | ml_collections.FieldReference = 0) -> dict:
  """Adam; β1 0.5 as in VEEGAN's code and DCGAN. `schedule` decays the rate to 0 over
  `decay_steps` updates ("cosine", "linear") or keeps it ("constant")."""
  return dict(name="adam", learning_rate=learning_rate, b1=b1, b2=b2, schedule=schedule,
              decay_steps=decay_steps)


def schedule(steps: int | ml_collections.FieldReference, batch_size: int, steps_per_call: int,
             log_every: int, eval_every: int, checkpoint_every: int) -> dict:
  """The run-length sections: train, eval (VEEGAN's protocol: 2,500 samples, 3 std) and
  checkpoint. Cadences must be multiples of steps_per_call."""
  return dict(
      train=dict(steps=steps, batch_size=batch_size, steps_per_call=steps_per_call,
                 log_every=log_every),
      eval=dict(every=eval_every, num_samples=2500, hq_threshold=3.0),
      checkpoint=dict(every=checkpoint_every, keep=3),
  )

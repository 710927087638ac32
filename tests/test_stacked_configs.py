"""The Stacked-MNIST protocols' configs (configs/stacked_m.py, configs/stacked_v.py): every row and
capacity passes the config checks on 1 and 4 devices with the protocols' hyper-parameters, and a
bad argument is one ValueError. (Training: tests/test_image_configs.py.)"""

import pytest

from aegan import configuration
from configs import stacked_m, stacked_v

M_CONFIGS = [f"{row},{capacity}" for row in stacked_m.ROWS for capacity in stacked_m.CAPACITIES]


@pytest.mark.parametrize("argument", M_CONFIGS)
def test_protocol_m_config_has_the_protocols_settings(argument):
  config = stacked_m.get_config(argument)
  for devices in (1, 4):
    configuration.validate(config, devices)
  row, capacity = argument.split(",")
  packing = int(row.removeprefix("pacgan")) if row.startswith("pacgan") else 1
  assert config.train.batch_size == 128 * packing and config.train.steps == 500_000
  assert config.model.latent_dim == 256 and config.eval.num_samples == 25_600
  assert config.data.name == "stacked_mnist5k" and config.data.fresh  # New stacks every draw.
  assert config.model.generator.to_dict() == dict(
      kind="conv", width=8, batch_norm=True, upsample="transposed", kernel=3, base_size=4,
      output_kernel=3)
  discriminator = config.model.discriminator
  assert discriminator.width == {"quarter": 2, "half": 4}[capacity]
  assert (discriminator.kernel, discriminator.negative_slope) == (3, 0.3)
  assert discriminator.first_batch_norm
  for network, optimizer in config.optimizer.items():
    rate = 1e-4 if network in ("generator", "reconstructor", "encoder") else 2e-4
    assert (optimizer.name, optimizer.learning_rate, optimizer.b1, optimizer.b2) == (
        "adam", rate, 0.5, 0.99), network


@pytest.mark.parametrize("row", stacked_v.ROWS)
def test_protocol_v_config_has_the_protocols_settings(row):
  config = stacked_v.get_config(f"{row},stacked_mnist")
  for devices in (1, 4):
    configuration.validate(config, devices)
  packing = int(row.removeprefix("pacgan")) if row.startswith("pacgan") else 1
  assert config.train.batch_size == 64 * packing and config.train.steps == 100_000
  assert config.model.latent_dim == 100 and config.eval.num_samples == 26_000
  assert config.data.name == "stacked_mnist" and not config.data.get("fresh", False)  # 128k stacks.
  assert (config.model.generator.width, config.model.generator.kernel,
          config.model.generator.base_size) == (64, 5, 2)
  assert (config.model.discriminator.kernel, config.model.discriminator.final_size) == (5, 2)
  for optimizer in config.optimizer.values():
    assert (optimizer.learning_rate, optimizer.b1, optimizer.b2) == (2e-4, 0.5, 0.999)
  # The reference's DCGAN (and PacGAN's, built on it): z ~ U(-1, 1)^100, two generator updates.
  reference_dcgan = row == "dcgan" or row.startswith("pacgan")
  assert config.model.get("prior", "normal") == ("uniform" if reference_dcgan else "normal")
  assert config.loss.get("generator_updates", 1) == (2 if reference_dcgan else 1)


@pytest.mark.parametrize("module, argument, message", [
    (stacked_m, "dcgan", "capacity one of"), (stacked_m, "dcgan,third", "capacity one of"),
    (stacked_m, "gan,quarter", "unknown row 'gan'"),
    (stacked_m, "dcgan,quarter,cifar10", "unknown image set 'cifar10'"),
    (stacked_m, "dcgan,half,stacked_mnist,x", "too many parts"),
    (stacked_v, "alpha_gan", "no alpha_gan row"), (stacked_v, "pacgan,stacked_mnist", "unknown row")])
def test_a_bad_argument_is_one_value_error(module, argument, message):
  with pytest.raises(ValueError, match=message):
    module.get_config(argument)

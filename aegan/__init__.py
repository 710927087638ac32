"""aegan: auto-encoding GANs (VEEGAN, α-GAN), their baselines and evaluation, in JAX."""

"""aiev.training: finished dialogues -> special-token samples -> deduplicated, decontaminated datasets -> SFT, and the
teaching -> self-learning loop. See ``training/README.md``. Submodules import torch/transformers only where they
train."""

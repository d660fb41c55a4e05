"""The embedded local model: GGUF files (assembled from PyPI data wheels, or converted here) served by llama.cpp."""

"""The embedded local model: GGUF files assembled from PyPI data wheels, served by llama-cpp-python."""

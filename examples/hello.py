"""The smallest program for `aiev sandbox run examples/hello.py`."""

import platform
import sys

print(f"hello from Python {platform.python_version()} in the aiev sandbox")
print("arguments:", sys.argv[1:])

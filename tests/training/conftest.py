"""The loopback model server the graphs' tests use serves the loop's end-to-end test too."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graphs"))

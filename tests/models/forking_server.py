"""A stand-in for vLLM's API server: it starts a helper (its engine core), answers ``GET
/v1/models``, and on SIGTERM exits without ending the helper, as vLLM's server can leave its engine core behind.
Usage: PORT HELPER_PID_FILE."""

import signal
import subprocess
import sys
from http.server import HTTPServer
from pathlib import Path

from listing_handler import ListingHandler

helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
Path(sys.argv[2]).write_text(str(helper.pid))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


HTTPServer(("127.0.0.1", int(sys.argv[1])), ListingHandler).serve_forever()

"""A stand-in for the llama.cpp server that answers ``GET /v1/models`` and dies by a signal on its first generation,
the way a llama.cpp build with an instruction the CPU refuses (AMX's ``tilezero``) dies. Usage: PORT SIGNAL."""

import os
import signal
import sys
from http.server import HTTPServer

from listing_handler import ListingHandler


class Handler(ListingHandler):
    def do_POST(self) -> None:
        print("ggml_backend_amx_mul_mat: about to run tilezero", flush=True)
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))


print("llama_model_loader: loaded meta data (fake)", flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

"""A stand-in for the llama.cpp server that answers ``GET /v1/models`` and dies by a signal on its first generation,
the way a llama.cpp build with an instruction the CPU refuses (AMX's ``tilezero``) dies. Usage: PORT SIGNAL."""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        print("ggml_backend_amx_mul_mat: about to run tilezero", flush=True)
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))

    def log_message(self, *args: object) -> None:
        pass


print("llama_model_loader: loaded meta data (fake)", flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

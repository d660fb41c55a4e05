"""The key/value header of a GGUF file, read without the tensors: what a server needs to know about its vocabulary.

A model served with ``--special`` prints every special token it writes, the end-of-turn one included; the client
cuts replies at the model's control tokens (``reply_stops``), which only the file can tell. gguf-py's reader maps
every tensor and builds one array per vocabulary string (tens of seconds for a 151k-token vocabulary); reading the
header sequentially takes about a second.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from ..model_specs import ModelError

_MAGIC = b"GGUF"
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
CONTROL_TOKEN = 3  # llama.cpp's token type of a special token: printed only with --special
_HEADER_LIMIT = 256 << 20  # a vocabulary takes a few MB; a header past this is not a model's


class GgufFormatError(ModelError):
    """The file is not a GGUF file this reader understands; the message names it."""


def read_metadata(path: Path) -> dict[str, Any]:
    """Every key of the file's header with its value (arrays as lists)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
            if len(head) < 24 or head[:4] != _MAGIC:
                raise GgufFormatError(f"{path}: not a GGUF file")
            version, _tensors, count = struct.unpack("<IQQ", head[4:])
            if version < 2:
                raise GgufFormatError(f"{path}: GGUF version {version} is not supported (2 or later)")
            data = handle.read(_HEADER_LIMIT)
    except OSError as error:
        raise GgufFormatError(f"{path}: cannot read ({error.strerror or error})") from None
    reader = _Reader(data)
    try:
        return {reader.string(): reader.value(reader.scalar("I")) for _ in range(count)}
    except (struct.error, KeyError, UnicodeDecodeError) as error:
        raise GgufFormatError(f"{path}: malformed GGUF header ({error!r})") from None


def control_tokens(path: Path) -> list[str]:
    """The texts of the vocabulary's control tokens (end of turn, chat markers, and any added special token)."""
    metadata = read_metadata(path)
    tokens, kinds = metadata.get("tokenizer.ggml.tokens"), metadata.get("tokenizer.ggml.token_type")
    if not isinstance(tokens, list) or not isinstance(kinds, list) or len(tokens) != len(kinds):
        raise GgufFormatError(f"{path}: no vocabulary with token types in the header")
    return [token for token, kind in zip(tokens, kinds, strict=True) if kind == CONTROL_TOKEN]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def scalar(self, fmt: str) -> Any:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        size = self.scalar("Q")
        start, self.offset = self.offset, self.offset + size
        if self.offset > len(self.data):
            raise struct.error("string runs past the end of the header")
        return self.data[start : self.offset].decode("utf-8")

    def value(self, kind: int) -> Any:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            inner, length = self.scalar("I"), self.scalar("Q")
            return [self.value(inner) for _ in range(length)]
        return self.scalar(_SCALARS[kind])

"""The one normal form of Python code that seed identity, dataset dedup and benchmark decontamination compare.

Two programs that differ only in comments, docstrings, blank lines, layout or the names of the functions and
classes they define are the same program for all three jobs: a seed re-commented is one seed, a sample
re-indented is a duplicate, and a HumanEval solution with its docstring dropped and its function renamed is
still a leak. The normal form is therefore Python's own canonical rendering (``ast.unparse``: one spelling of
whitespace, quotes and parentheses) of the tree with every bare string statement (docstrings) removed and every
name a ``def`` or ``class`` of the code binds replaced by one placeholder, at the definition and at every use.
One placeholder rather than numbered ones, so a function keeps its normal form when it is pasted into a larger
program (decontamination's containment check looks for a benchmark answer inside a sample). Parameters and
variables keep their names: renaming them all reduces short functions to their shape (on 1,000 standard-library
functions it merged 7 more distinct ones, 991 normal forms instead of 998, and made one "contain" a HumanEval
body), while a copy with a few variables renamed still scores above 90.

Code that does not parse (another language, a fragment) falls back to Python's tokenizer (comments and layout
dropped), and text the tokenizer rejects to whitespace folding, so every input has a normal form.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

DEFINED_NAME = "_f"  # what every def/class name of the code becomes
_LAYOUT = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def normalize_code(code: str) -> str:
    """``code`` in its normal form: one statement per line, no comments, docstrings or blank lines."""
    try:
        tree = ast.parse(textwrap.dedent(code))
        _canonicalise(tree)
        return "\n".join(line for line in ast.unparse(tree).splitlines() if line.strip())
    except (SyntaxError, ValueError, RecursionError):  # ValueError: NUL bytes; RecursionError: absurd nesting
        tokens = _python_tokens(code)
        return " ".join(code.split() if tokens is None else tokens)


def _canonicalise(tree: ast.Module) -> None:
    """Drops bare string statements and renames the code's own definitions to ``DEFINED_NAME``, in place (one
    ``ast.walk``: a NodeTransformer visiting every node costs twice as much on a large batch)."""
    nodes = list(ast.walk(tree))
    defined = {node.name for node in nodes if isinstance(node, _Definition)}
    for node in nodes:
        if isinstance(node, _Definition):
            node.name = DEFINED_NAME
        elif isinstance(node, ast.Name) and node.id in defined:
            node.id = DEFINED_NAME
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and any(map(_is_bare_string, body)):
                kept = [stmt for stmt in body if not _is_bare_string(stmt)]
                # A body that was only a docstring still needs a statement to be a valid tree for unparse.
                setattr(node, field, kept or ([] if isinstance(node, ast.Module) else [ast.Pass()]))


def _is_bare_string(stmt: ast.AST) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _python_tokens(code: str) -> list[str] | None:
    """Python's tokens of ``code`` without comments and layout; None when the tokenizer rejects it."""
    try:
        return [
            t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _LAYOUT and t.string
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None

"""Tests built from the examples a task's prompt shows, for CoderGen mode.

AICoderEval's loop needs tests to execute against, and the benchmark's own tests are hidden. The prompt's
examples are part of what the model is shown anyway, so asserting them leaks nothing: doctest ``>>>`` lines,
one-line ``f(x) ➞ y`` forms (``=>``, ``==``, ``=``, ``returns``, ``should return``, bulleted or after
``for``), MBPP's shown ``assert f(x) == y``, and the parameter-named ``For lst = [1, 2] the output should be
3`` / ``Input: arr = [1], k = 1`` + ``Output: [1]`` forms, called with keyword arguments. They are far more reliable
than tests a small model writes itself: with the embedded 0.5B model, self-written tests were often wrong and the
loop "fixed" correct code to match them.
"""

from __future__ import annotations

import ast
import builtins
import doctest
import re
from typing import NamedTuple

# ``name(args) <arrow> expected`` on one line; both sides are checked to be Python expressions below.
_ARROW_EXAMPLE = (
    r"^\s*(?:[*-]\s+)?(?:>>>\s*|assert\s+|for\s+)?({name}\(.*\))\s*(?:#\s*)?"
    r"(==>|=>|➞|->|==|→|=|(?:should\s+)?returns?)\s*(.+?)\s*$"
)
# Examples that name the parameters instead of writing the call: "For lst = [1,2] the output should be 3",
# or "Input: arr = [1], k = 1" with "Output: [1]" on the next line.
_NAMED_EXAMPLES = (
    r"^\s*For\s+(.+?),?\s+the\s+(?:output|result)\s+should\s+be\s+(.+?)\s*$",
    r"^\s*Input\s*:\s*(.+?)\s*\n\s*Output\s*:\s*(.+?)\s*$",
)
_LOWERCASE_BOOLEANS = {"true": "True", "false": "False"}  # "f(1) => true" in prompts written for other languages


class Example(NamedTuple):
    """One example a prompt shows: the call, the value it is said to give ("" when the prompt shows none, as in a
    doctest written ``>>> f(x) == y``), ``arrow`` (the one-line form's ``==``, ``➞``...; "" for doctests and named
    forms), and the prompt lines it occupies (0-based), so ``hidden_examples`` can take it out of the prompt."""

    call: str
    expected: str
    arrow: str
    lines: range


def visible_tests(prompt: str, entry_point: str | None) -> str:
    """Assert-based tests of the prompt's examples ("" when it shows none that can be checked)."""
    if not entry_point:
        return ""
    asserts: list[str] = []
    examples = shown_examples(prompt, entry_point)
    equational = defines_by_equations(examples)
    for call, expected, arrow, _ in examples:
        if equational and arrow == "=":
            continue  # "tri(n) = 1 + n / 2": the sequence's terms, not what the function returns
        call_tree, expected_tree = _expression(call), _expression(expected)
        if call_tree is None or expected_tree is None or entry_point not in _names(call_tree):
            continue
        if not (_names(call_tree) | _names(expected_tree)) <= {entry_point, *dir(builtins)}:
            continue  # prose such as "f(n) -> n * 2" or "f(x) ➞ true", not an example
        line = _assertion(call_tree, expected_tree)
        if line not in asserts:
            asserts.append(line)
    return "\n".join(asserts)


def shown_examples(prompt: str, entry_point: str) -> list[Example]:
    """Every example-like passage of the prompt, checkable or not: doctests (with or without an output), one-line
    ``f(x) <arrow> y`` forms and the parameter-named forms, in that order."""
    return [*_doctest_examples(prompt), *_arrow_examples(prompt, entry_point), *_named_examples(prompt, entry_point)]


def defines_by_equations(examples: list[Example]) -> bool:
    """A prompt that defines its function by equations ("tri(n) = 1 + n / 2") uses ``=`` for the sequence's terms,
    not for what the function returns, so its ``=`` lines are no examples."""
    return any(example.arrow == "=" and has_variable_argument(example.call) for example in examples)


def has_variable_argument(call: str) -> bool:
    """``f(n)`` rather than ``f(3)``: a definition's left-hand side, not an example's call."""
    tree = _expression(call)
    return tree is not None and isinstance(tree.body, ast.Call) and any(_names(arg) for arg in tree.body.args)


def _doctest_examples(prompt: str) -> list[Example]:
    try:
        examples = doctest.DocTestParser().get_examples(prompt)
    except ValueError:  # inconsistent indentation inside the docstring: fall back to the arrow form only
        return []
    found = []
    for example in examples:
        want = _before_docstring_end(example.want)
        size = example.source.count("\n") + (want.count("\n") + 1 if want else 0)
        found.append(Example(example.source.strip(), want, "", range(example.lineno, example.lineno + size)))
    return found


def _before_docstring_end(want: str) -> str:
    """Doctest reads an example's output up to a blank line, so the docstring's closing quotes or the prose
    after the example come along: keep the longest run of leading lines that is one (multi-line) expression, else
    the first line."""
    lines = re.split(r"^\s*(?:\"\"\"|\'\'\')", want, maxsplit=1, flags=re.MULTILINE)[0].strip().split("\n")
    for end in range(len(lines), 1, -1):
        if _expression("\n".join(lines[:end])) is not None:
            return "\n".join(lines[:end]).strip()
    return lines[0].strip()


def _arrow_examples(prompt: str, entry_point: str) -> list[Example]:
    pattern = re.compile(_ARROW_EXAMPLE.format(name=re.escape(entry_point)), re.MULTILINE)
    return [
        Example(match.group(1), _expected(match.group(3)), match.group(2), _lines(prompt, match))
        for match in pattern.finditer(prompt)
    ]


def _named_examples(prompt: str, entry_point: str) -> list[Example]:
    """Calls with the named arguments, kept only when every name is a parameter of ``entry_point``."""
    parameters = _parameters(prompt, entry_point)
    found = []
    for pattern in _NAMED_EXAMPLES:
        for match in re.finditer(pattern, prompt, re.MULTILINE | re.IGNORECASE):
            call = f"{entry_point}({match.group(1)})"
            tree = _expression(call)
            if tree is None or not isinstance(tree.body, ast.Call) or tree.body.args:
                continue
            if tree.body.keywords and {keyword.arg for keyword in tree.body.keywords} <= parameters:
                found.append(Example(ast.unparse(tree), _expected(match.group(2)), "", _lines(prompt, match)))
    return found


def _lines(prompt: str, match: re.Match[str]) -> range:
    first = prompt.count("\n", 0, match.start())
    return range(first, first + match.group(0).count("\n") + 1)


def _parameters(prompt: str, entry_point: str) -> set[str]:
    try:
        module = ast.parse(prompt)
    except SyntaxError:
        return set()
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            arguments = node.args
            return {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    return set()


def _expected(text: str) -> str:
    text = text.rstrip(".,;")
    return _LOWERCASE_BOOLEANS.get(text, text)


def _expression(text: str) -> ast.Expression | None:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError:
        return None


def _names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _assertion(call_tree: ast.Expression, expected_tree: ast.Expression) -> str:
    """Unparsed, so comments after an example disappear; floats compared with a tolerance (docstrings round)."""
    call, expected = _operand(call_tree.body), _operand(expected_tree.body)
    value = expected_tree.body
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    if isinstance(value, ast.Constant) and isinstance(value.value, float):
        return f"assert abs({call} - {expected}) < 1e-6, {ast.unparse(call_tree)!r}"
    return f"assert {call} == {expected}, {ast.unparse(call_tree)!r}"


def _operand(node: ast.expr) -> str:
    """The expression as source, bracketed unless it is atomic enough to sit beside ``==`` or ``-``."""
    text = ast.unparse(node)
    atomic = (ast.Call, ast.Constant, ast.Name, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Attribute, ast.Subscript)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return text
    return text if isinstance(node, atomic) else f"({text})"

"""Tests written as ``unittest.TestCase`` classes, made into the plain tests the interpreter runs.

The test writer is asked for plain asserts (``prompts/test_writer.md``), yet the embedded 1.5B wrote ``unittest``
classes in 28 of the 208 test-writer turns of sessions 20-21's draws. Its checks were ``self.assertEqual`` calls and
its last line ``unittest.main()``, so the interpreter found no assert and refused them as "no unit tests": a lost round
each, and idlelib's ``Delegator`` lost all three. ``unittest.main()`` could not simply run either: it exits the
program, and a ``TextTestRunner`` reports a failure without failing the program, so a wrong solution would pass.

``as_plain_tests`` keeps each class as written (``setUp`` and the state it keeps on ``self`` work as before) and:

- makes each assertion method with an exact plain equivalent that assert (``self.assertEqual(f(1), 2)`` becomes
  ``assert f(1) == 2``), so a failure says what it compared (``sandbox/test_runner``) and the test-quality checks
  see asserts. The others (``assertRaises``, ``assertAlmostEqual``, ``assertSequenceEqual``, ...) stay methods,
  whose own failures carry their values. A ``msg`` goes: unittest shows the values before it, an assert would
  show it instead of them;
- drops what ran the tests (``unittest.main()``, suites, runners, a ``__main__`` guard around them);
- runs each ``test*`` method with ``TestCase.debug()``: ``setUp``, the test and ``tearDown``, the first failure
  raised as a plain test's is, which is what the interpreter's verdict needs (the tests ran to their end).
"""

from __future__ import annotations

import ast

# assertion method -> (arguments it checks, how the plain assert states them)
_PLAIN: dict[str, tuple[int, str]] = {
    "assertEqual": (2, "{0} == {1}"),
    "assertEquals": (2, "{0} == {1}"),
    "assertListEqual": (2, "{0} == {1}"),
    "assertTupleEqual": (2, "{0} == {1}"),
    "assertDictEqual": (2, "{0} == {1}"),
    "assertSetEqual": (2, "{0} == {1}"),
    "assertMultiLineEqual": (2, "{0} == {1}"),
    "assertNotEqual": (2, "{0} != {1}"),
    "assertTrue": (1, "{0}"),
    "assertFalse": (1, "not {0}"),
    "assertIs": (2, "{0} is {1}"),
    "assertIsNot": (2, "{0} is not {1}"),
    "assertIsNone": (1, "{0} is None"),
    "assertIsNotNone": (1, "{0} is not None"),
    "assertIn": (2, "{0} in {1}"),
    "assertNotIn": (2, "{0} not in {1}"),
    "assertIsInstance": (2, "isinstance({0}, {1})"),
    "assertNotIsInstance": (2, "not isinstance({0}, {1})"),
    "assertGreater": (2, "{0} > {1}"),
    "assertGreaterEqual": (2, "{0} >= {1}"),
    "assertLess": (2, "{0} < {1}"),
    "assertLessEqual": (2, "{0} <= {1}"),
}
# What runs a TestCase besides ``debug()``; a top-level statement that uses one of these is dropped.
_RUNNERS = frozenset({"main", "TextTestRunner", "TestLoader", "TestSuite", "makeSuite", "defaultTestLoader"})
# Operands that need no parentheses inside a comparison.
_ATOMS = (
    ast.Name,
    ast.Call,
    ast.Attribute,
    ast.Subscript,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.JoinedStr,
    ast.BinOp,
    ast.UnaryOp,
)


def uses_unittest(code: str) -> bool:
    """Whether ``code`` checks with ``self.assert...`` methods (a ``TestCase``'s tests)."""
    return "self.assert" in code


def as_plain_tests(code: str) -> str:
    """``code`` with its ``TestCase`` classes run as plain tests (see the module doc); as is when it has none or does
    not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    cases = [node for node in tree.body if isinstance(node, ast.ClassDef) and _is_test_case(node)]
    if not cases:
        return code
    lines = code.splitlines()
    edits: list[tuple[int, int, list[str]]] = []  # 1-based line ranges and what replaces them
    for case in cases:
        for node in ast.walk(case):
            plain = _plain_assert(node, code) if isinstance(node, ast.Expr) else None
            if plain is not None:
                indent = lines[node.lineno - 1][: node.col_offset]
                edits.append((node.lineno, node.end_lineno or node.lineno, [indent + plain]))
    names = {case.name for case in cases}
    for node in tree.body:
        if _runs_tests(node, names):
            edits.append((node.lineno, node.end_lineno or node.lineno, []))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start - 1 : end] = replacement
    calls = [f"{case.name}({method!r}).debug()" for case in cases for method in _test_methods(case)]
    return "\n".join(lines).rstrip() + "\n\n" + "\n".join(calls) + "\n"


def _is_test_case(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).split(".")[-1] == "TestCase" for base in node.bases)


def _test_methods(case: ast.ClassDef) -> list[str]:
    return [
        node.name
        for node in case.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    ]


def _plain_assert(statement: ast.Expr, code: str) -> str | None:
    """The plain assert of a ``self.assertX(...)`` statement that has one, else None."""
    call = statement.value
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and call.func.attr in _PLAIN
    ):
        return None
    count, form = _PLAIN[call.func.attr]
    starred = any(isinstance(arg, ast.Starred) for arg in call.args)
    if starred or any(keyword.arg != "msg" for keyword in call.keywords) or not count <= len(call.args) <= count + 1:
        return None
    operands = [_operand(arg, code, alone=form == "{0}") for arg in call.args[:count]]
    return "assert " + form.format(*operands)


def _operand(node: ast.expr, code: str, *, alone: bool) -> str:
    """An argument's source as an operand of the assert: in parentheses where it would bind otherwise (``a or b``
    inside ``== c``, a ``not``) or spans lines that only the call's parentheses held together."""
    text = ast.get_source_segment(code, node) or ast.unparse(node)
    bare = alone or (isinstance(node, _ATOMS) and not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)))
    return text if bare and "\n" not in text else f"({text})"


def _runs_tests(node: ast.stmt, cases: set[str]) -> bool:
    """A top-level statement that runs the tests another way: ``unittest.main()``, a suite, a runner, or one of the
    test classes built by hand."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr in _RUNNERS:
            return True
        if isinstance(inner, ast.Name) and (inner.id in _RUNNERS or inner.id in cases):
            return True
    return False

"""Turning free-form model replies into code, tests, setup lines and verdicts.

Small models wrap code inconsistently: several fences, no fence, an unterminated fence, a demo under
``if __name__ == "__main__"``, tests that re-define the solution or import it from a module that does not
exist. Everything here is a pure function of the reply text so each quirk is a one-line test, and a
reply that yields nothing returns ``None`` (the graph counts that as a failed round) instead of raising.

A model trained AutoCoder-style (``aiev train``) writes the trained form instead:
``<API_RUN_START>```python ...```<API_RUN_STOP>``, the fence glued to the tokens, results it imagines between
the result tokens. ``interpreter_request`` reduces such a reply to what it asks to run, so every extractor here
(solution, tests, setup) and the chat read both forms alike.
"""

from __future__ import annotations

import ast
import builtins
import re
import shlex
import sys
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from packaging.requirements import Requirement

from ..sandbox.requirements import SetupLineError, is_install, parse_install
from .special_tokens import SpecialTokens, load_special_tokens
from .state import Fault
from .unittest_tests import as_plain_tests, uses_unittest

PYTHON_LANGS = frozenset({"python", "py", "python3", ""})
SHELL_LANGS = frozenset({"bash", "sh", "shell", "console"})

# An opening fence, optional language tag, then the body up to a closing fence or the end of the reply
# (models that hit max_tokens leave the last fence open).
_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
# The analyst's verdict as it is asked for ("FAULT: code") and as small models phrase it ("the FAULT is: test").
_FAULT = re.compile(r"FAULT\s*(?:[:=]|\s+is\b\s*:?)\s*\**\s*(?:with\s+the\s+)?(code|tests?)\b", re.IGNORECASE)
# A line that only states the verdict ("Therefore, the FAULT is: code"), or a verdict that ends a line.
_VERDICT_LINE = re.compile(rf"^[ \t*]*(?:therefore,?\s*)?(?:the\s+)?(?:{_FAULT.pattern})[ \t*.]*$\n?", re.I | re.M)
_VERDICT_END = re.compile(rf"[ \t]*(?:therefore,?\s*)?(?:the\s+)?(?:{_FAULT.pattern})[ \t*.]*$", re.I | re.M)
_DEF_NAME = re.compile(r"\bdef\s+([A-Za-z_]\w*)\s*\(")
# A class statement, at a line's start: prose says "the `Frame` class should have ..." (session 24: read as `should`).
_CLASS_NAME = re.compile(r"^[ \t]*class\s+([A-Za-z_]\w*)\s*[(:]", re.MULTILINE)
_BUILTIN_NAMES = frozenset(dir(builtins))
# A heading that opens a worked solution ("**Solution:**", "## Solution", "Solution:"): questioners that
# were told not to solve the problem sometimes do, and a solution inside the problem spoils the sample.
_SOLUTION_HEADING = re.compile(
    r"^[ \t]*(?:#+[ \t]*|\*\*)?(?:example[ \t]+|reference[ \t]+)?solution[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A fence that ends a line but does not start it ("Here it is: ```python", "return x```"): put it on its own line.
_FENCE_LINE = re.compile(r"^[ \t]*```", re.MULTILINE)
_GLUED_FENCE = re.compile(r"(?<=\S)[ \t]*(```[\w+-]*[ \t]*)$", re.MULTILINE)


class CodeBlock(NamedTuple):
    lang: str
    code: str


def interpreter_request(reply: str, tokens: SpecialTokens | None = None) -> tuple[str, bool]:
    """The part of ``reply`` meant for the interpreter, and whether the reply used the run tokens.

    With run tokens, only the wrapped segments count (unwrapped blocks are illustrations, as in training), each
    on lines of its own; results the model wrote between the result tokens are never its code. Without them
    (an instruct model, or a server that stripped the tokens) the reply is all there is.
    """
    tokens = tokens or load_special_tokens()
    result = re.escape(tokens.result_start) + r".*?(?:" + re.escape(tokens.result_stop) + r"|\Z)"
    text = re.sub(result, "\n", reply, flags=re.DOTALL)
    if tokens.run_start not in text:
        return text, False
    run = re.escape(tokens.run_start) + r"(.*?)(?:" + re.escape(tokens.run_stop) + r"|\Z)"
    return "\n".join(segment.strip() for segment in re.findall(run, text, flags=re.DOTALL)), True


def code_blocks(reply: str) -> list[CodeBlock]:
    """Every fenced block the interpreter is asked to run (``interpreter_request``), in order, language tag
    lower-cased ("" when untagged); a fence glued to the text before it counts as one on its own line."""
    text = _GLUED_FENCE.sub(r"\n\1", interpreter_request(reply)[0])
    return [CodeBlock(m.group(1).lower(), m.group(2).rstrip()) for m in _FENCE.finditer(text)]


def is_literal(expression: ast.expr | str) -> bool:
    """Whether an expression (a node, or its source text) is a literal ``ast.literal_eval`` reads: numbers, strings,
    bytes, booleans, None and containers of them."""
    try:
        ast.literal_eval(expression)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def is_valid_python(code: str) -> bool:
    """Whether ``code`` is syntactically valid Python (used to tell code from prose in a reply)."""
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _defines(code: str, name: str) -> bool:
    return re.search(rf"\b(?:def|class)\s+{re.escape(name)}\b", code) is not None


def python_blocks(reply: str) -> list[str]:
    """Python code in the reply: fenced python (or untagged, parseable) blocks, else the whole reply if it parses.

    The unfenced fallback only accepts text that is valid Python *and* looks like code (a def, class,
    import or assert), so that prose which happens to parse (a single word) is not mistaken for code.
    """
    blocks = [b.code for b in code_blocks(reply) if b.lang in PYTHON_LANGS and b.code.strip()]
    blocks = [code for code in blocks if is_valid_python(code)] or blocks
    if blocks:
        return blocks
    text = interpreter_request(reply)[0].strip()
    if text and is_valid_python(text) and re.search(r"^\s*(def|class|import|from|assert)\b", text, re.MULTILINE):
        return [text]
    return []


def strip_demo(code: str) -> str:
    """Drop the demo a reply wraps around its solution: top-level ``if __name__ == "__main__":`` blocks,
    top-level call statements that print or call what the code itself defines (``print(f(3))``, ``main()``),
    and top-level asserts or blocks of them (``try``/``for``/``while``/``with``, ``_checks``): the reply's own checks
    of its examples, or the tests it copied. The tests are separate, and a wrong check fails correct code;
    HumanEval/149's docstring calls the function ``list_sort``, and a solution that asserted those examples failed
    on a NameError.

    The tests are appended to the solution and run as ``__main__``, so a demo would run too: reading stdin,
    printing noise or looping forever, and failing rounds for reasons unrelated to the task. An assignment is part
    of the demo only when it calls what the code defines and nothing but the demo reads what it binds (``result =
    load("example.dll")`` before ``print(result)``: seen failing every round of a yield run on a file that does not
    exist); ``TABLE = build()`` read by a function stays. Comment lines left at the end go too: they headed the demo
    (``# Example usage:``). The training sample keeps the reply as written; only the executed code, which the
    closing answer shows, loses the demo.

    A reply cut off by the token cap ends mid-statement, most often inside the checks small models append to their
    code; the longest complete prefix is run instead (its own demo stripped too), so the round judges the solution
    rather than a ``SyntaxError`` in a trailing assert. A cut inside the solution itself leaves it incomplete, and
    the tests say so.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        salvaged = _complete_prefix(code, r"^\s*(?:async\s+)?(?:def|class)\b")
        if salvaged is None:
            return code  # executed as is, so the syntax error reaches the analyst
        code, tree = salvaged, ast.parse(salvaged)
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    # a statement sharing a line with another (``x = f(1); print(x)``) is cut with all of them or none: none
    owners = Counter(line for node in tree.body for line in _lines_of(node))
    alone = [node for node in tree.body if all(owners[line] == 1 for line in _lines_of(node))]
    demos = [node for node in alone if _is_demo(node, defined | {"print"})]
    demos += _demo_assignments(
        [node for node in tree.body if node not in demos], [node for node in alone if node not in demos], defined
    )
    if not demos:
        return code
    cut = {line for node in demos for line in _lines_of(node)}
    lines = [line for number, line in enumerate(code.splitlines(), 1) if number not in cut]
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()  # the heading of a demo that is gone (``# Example usage:``), left dangling in the closing answer
    return "\n".join(lines).rstrip() + "\n"


def _lines_of(node: ast.stmt) -> range:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return range(start, (node.end_lineno or node.lineno) + 1)


def _is_demo(node: ast.stmt, callables: set[str]) -> bool:
    if isinstance(node, ast.If):
        return _is_main_guard(node.test)
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Try | ast.For | ast.While | ast.With):
        return _checks(node)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in callables
    )


def _checks(node: ast.stmt) -> bool:
    """A block that asserts or raises ``AssertionError``: a test the reply copied into its code (the 1.5B copied the
    test writer's ``try: encoder.write(b'hello') ... else: raise AssertionError(...)`` into its ``IncrementalEncoder``,
    which then failed in the code, before the tests ran)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assert):
            return True
        if isinstance(inner, ast.Raise) and inner.exc is not None:
            raised = inner.exc.func if isinstance(inner.exc, ast.Call) else inner.exc
            if isinstance(raised, ast.Name) and raised.id == "AssertionError":
                return True
    return False


def _demo_assignments(body: list[ast.stmt], candidates: list[ast.stmt], defined: set[str]) -> list[ast.stmt]:
    """The ``candidates`` that assign to plain names a value calling something ``defined`` or read from such an
    assignment (``text = load("a")``, then ``size = len(text)``), whose names nothing else in ``body`` (the code
    less its other demos) reads."""
    assigned = [node for node in candidates if _plain_assignment(node)]
    calls = [node for node in assigned if _calls(node, defined)]
    while derived := [node for node in assigned if node not in calls and _names(node, ast.Load) & _stored(calls)]:
        calls += derived
    read = {name for node in body if node not in calls for name in _names(node, ast.Load)}
    return [node for node in calls if not _names(node, ast.Store) & read]


def _plain_assignment(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        return all(isinstance(target, ast.Name) for target in node.targets)
    return isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name)


def _calls(node: ast.stmt, defined: set[str]) -> bool:
    return any(
        isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in defined
        for inner in ast.walk(node)
    )


def _stored(nodes: list[ast.stmt]) -> set[str]:
    return {name for node in nodes for name in _names(node, ast.Store)}


def _names(node: ast.AST, context: type[ast.expr_context]) -> set[str]:
    return {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name) and isinstance(inner.ctx, context)}


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def extract_solution(reply: str, entry_point: str | None = None) -> str | None:
    """The solution code: its block (``solution_block``), demo stripped."""
    code = solution_block(reply, entry_point)
    return None if code is None else strip_demo(code).rstrip() + "\n"


def solution_block(reply: str, entry_point: str | None = None) -> str | None:
    """The block the solution comes from: the one defining ``entry_point`` (else the longest block). A block of
    tests alone is no solution: told its code failed, the 0.5B programmer answered with the tests it had been shown
    ("Here's the corrected code:" and the asserts), which, taken as the solution, defined nothing; the tests were then
    refused as calling nothing the solution defines, and sent back to the test writer, who was not at fault."""
    blocks = [code for code in python_blocks(reply) if not _tests_alone(code)]
    if not blocks:
        return None
    if entry_point:
        defining = [code for code in blocks if _defines(code, entry_point)]
        if defining:
            blocks = defining
    return max(blocks, key=lambda c: (not re.search(r"^\s*assert\b", c, re.MULTILINE), len(c)))


def _tests_alone(code: str) -> bool:
    """Asserts, and no function or class but test ones for them to test; read line by line when the block does not
    parse: the 0.5B's copy of the tests it was shown lost the closing parenthesis of its last assert, and the block,
    taken as the solution, failed with a syntax error for two rounds."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        lines = [line.strip() for line in code.splitlines()]
        defines = any(re.match(r"(async\s+)?def\s+(?!test)|class\s", line) for line in lines)
        return not defines and any(re.match(r"assert\b", line) for line in lines)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    defined = [node for node in ast.walk(tree) if isinstance(node, kinds) and not node.name.startswith("test")]
    return not defined and any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def extract_setup(reply: str) -> list[str]:
    """``pip install`` lines from shell blocks, in order, without duplicates.

    Only lines the sandbox accepts as setup are kept (``sandbox.requirements``: plain installs, no shell
    operators): other shell lines in replies are run instructions ("python solution.py") that would execute
    before the program exists, and setup runs with network access. A line is also rid of the standard library's
    own modules (``without_stdlib``).
    """
    lines: list[str] = []
    for block in code_blocks(reply):
        if block.lang not in SHELL_LANGS:
            continue
        for line in block.code.splitlines():
            line = without_stdlib(line.strip().removeprefix("$").strip())
            if line and is_install(line) and line not in lines:
                lines.append(line)
    return lines


def without_stdlib(line: str) -> str | None:
    """An install line without the packages named like a module of the standard library, None when nothing else is
    left; any other line as it is. Models install what they import: the 1.5B asked for ``pip install importlib``
    (an old package whose build fails on Python 3, which failed ``reload``'s round), ``marshal`` (not on PyPI) and
    ``typing`` (a backport for Python < 3.5), 20 times in sessions 20-21's draws. A module of the standard library is
    there already, and what PyPI holds under its name is a backport or a squatter, not something a program needs."""
    try:
        install = parse_install(line)
    except SetupLineError:
        return line
    kept = [r for r in install.requirements if Requirement(r).name.lower() not in sys.stdlib_module_names]
    if len(kept) == len(install.requirements):
        return line
    return shlex.join(["pip", "install", *install.options, *kept]) if kept else None


def extract_tests(reply: str, entry_point: str | None = None, solution: str | None = None) -> str | None:
    """Assert-based tests ready to be appended to the solution, or ``None`` when the reply has none.

    Blocks containing ``assert`` (or a ``TestCase``'s ``self.assert...``) are joined. A test block that re-defines
    or imports the function under test, or anything else the solution defines, would shadow the real solution (it
    runs in the same file) and test its own copy, so such definitions and imports are removed; ``test_*``
    functions that nothing calls are called, since there is no pytest to collect them, and ``TestCase`` classes
    are run as plain tests (``unittest_tests``).
    """
    blocks = test_blocks(reply)
    if not blocks:
        return None
    tests = "\n\n".join(blocks)
    try:
        tree = ast.parse(tests)
    except SyntaxError:
        salvaged = _without_broken_asserts(tests) or _complete_prefix(tests, r"\bassert\b")
        if salvaged is None:
            return tests  # refused with its syntax error (``test_quality.unparsable``)
        tests, tree = salvaged, ast.parse(salvaged)
    shadowed = _top_level_names(solution) | ({entry_point} if entry_point else set())
    if shadowed:
        tests = _drop_shadowing(tests, tree, shadowed)
    return _call_uncalled_tests(as_plain_tests(tests))


def test_blocks(reply: str) -> list[str]:
    """The reply's blocks that hold tests (an ``assert``, or a ``TestCase``'s ``self.assert...``), in order."""
    return [code for code in python_blocks(reply) if re.search(r"\bassert\b", code) or uses_unittest(code)]


def top_level_functions(code: str) -> list[str]:
    """The functions (and classes) a snippet defines at module level, in order; none when it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [node.name for node in tree.body if isinstance(node, kinds)]


def _top_level_names(code: str | None) -> set[str]:
    """Functions and classes a program defines at module level, test functions aside."""
    return {name for name in top_level_functions(code or "") if not name.startswith("test")}


def _complete_prefix(code: str, needed: str) -> str | None:
    """The longest run of leading lines that parses and still holds what makes it worth running (``needed``, a
    multiline regex: an assert for tests, a definition for a solution).

    A reply cut off by the token cap (small models often repeat themselves until they hit it) ends
    mid-statement; the complete statements before the cut should not be thrown away with it.
    """
    lines = code.splitlines()
    for end in range(len(lines) - 1, 0, -1):
        prefix = "\n".join(lines[:end])
        if re.search(needed, prefix, re.MULTILINE) and is_valid_python(prefix):
            return prefix + "\n"
    return None


def _without_broken_asserts(tests: str) -> str | None:
    """``tests`` without the one-line asserts a syntax error points at, one at a time, when what is left parses and
    still asserts something; None otherwise (the error lies elsewhere: a cut, a broken ``def``). A small test writer
    mistypes a bracket in one literal and every assert after it is lost with a prefix: the 1.5B closed a list twice
    in one of ``get_shared``'s asserts (``== ['[lib.so']]``, a ``[`` inside a string)."""
    lines = tests.splitlines()
    while True:
        try:
            ast.parse("\n".join(lines))
        except SyntaxError as error:
            at = (error.lineno or 0) - 1
            if not (0 <= at < len(lines) and lines[at].startswith("assert ")):
                return None
            del lines[at]
        else:
            kept = "\n".join(lines) + "\n"
            return kept if re.search(r"^assert\b", kept, re.MULTILINE) else None


def _drop_shadowing(code: str, tree: ast.Module, names: set[str]) -> str:
    """``code`` without what would shadow ``names``; a re-definition that is a test in disguise (its body asserts
    on calls of its own name and returns nothing: the 0.5B wrapped its asserts in ``def f(name, path=None):``)
    becomes the test function ``test_<name>()`` instead of being dropped with its asserts."""
    lines = code.splitlines()
    doomed: list[tuple[int, int, list[str]]] = []  # 1-based line ranges and what replaces them
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names:
            start = _lines_of(node).start
            if isinstance(node, ast.FunctionDef) and _is_disguised_test(node) and node.body[0].lineno > node.lineno:
                doomed.append((start, node.body[0].lineno - 1, [f"def test_{node.name}():"]))
            else:
                doomed.append((start, node.end_lineno or node.lineno, []))
        elif isinstance(node, ast.ImportFrom) and {alias.name for alias in node.names} & (names | {"*"}):
            doomed.append((node.lineno, node.end_lineno or node.lineno, []))
    for start, end, replacement in sorted(doomed, reverse=True):
        lines[start - 1 : end] = replacement
    return "\n".join(lines).strip() + "\n"


def _is_disguised_test(function: ast.FunctionDef) -> bool:
    asserts_on_itself = any(
        isinstance(node, ast.Assert)
        and any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == function.name
            for call in ast.walk(node)
        )
        for node in ast.walk(function)
    )
    returns = any(isinstance(node, ast.Return) and node.value is not None for node in ast.walk(function))
    return asserts_on_itself and not returns


def _call_uncalled_tests(code: str) -> str:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    defined = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test") and not node.args.args
    ]
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    missing = [name for name in defined if name not in called]
    if not missing:
        return code
    return code.rstrip() + "\n\n" + "\n".join(f"{name}()" for name in missing) + "\n"


def parse_fault(reply: str) -> Fault:
    """The analyst's ``FAULT: code|test`` verdict (the last one wins); the code is blamed when none is given.

    Blaming the code by default is the conservative choice: a rewrite of the tests is what could let a
    wrong solution through.
    """
    found = _FAULT.findall(reply)
    if not found:
        return "code"
    return "test" if found[-1].lower().startswith("test") else "code"


def without_verdict(reply: str) -> str:
    """The analyst's reply without its ``FAULT`` verdict: a line that only states it, or the verdict ending a line.
    The verdict routes the dialogue (``parse_fault``); shown to the programmer as the last line of the analysis, the
    1.5B answered it with "The FAULT is: code" and no code (5 of 7 revisions of one draw). A reply that is nothing
    but the verdict stays as it is."""
    return _explanation(reply) or reply


def is_bare_verdict(reply: str) -> bool:
    """The reply states the ``FAULT`` verdict and nothing else."""
    return bool(_FAULT.search(reply)) and not _explanation(reply)


def _explanation(reply: str) -> str:
    return _VERDICT_END.sub("", _VERDICT_LINE.sub("", reply)).strip()


def problem_statement(reply: str) -> str:
    """The questioner's reply up to any solution it wrote against instructions, every function it shows reduced to
    its signature and docstring (``signatures_only``), and a fenced block left open closed: the token cap cuts the
    0.5B's problems inside their examples (16 of session 17's 33 problems ended in an open fence), and the problem
    is the first turn of the training sample."""
    match = _SOLUTION_HEADING.search(reply)
    statement = _FENCE.sub(lambda block: _signatures_block(block), (reply[: match.start()] if match else reply).strip())
    return statement + "\n```" if len(_FENCE_LINE.findall(statement)) % 2 else statement


def signatures_only(code: str) -> str:
    """``code`` with the body of every top-level function and of every method of a top-level class replaced by
    ``...`` after its docstring; code that does not parse is returned as is.

    The questioner is asked for a signature and a one-line docstring, yet small models paste the seed's whole
    function as "the signature": the problem then hands out its solution (a sample that teaches nothing), the test
    writer copies the body into the tests, and the programmer copies it back, comments and all. Lines are cut, not
    regenerated, so the signature and docstring stay as the model wrote them.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return code
    lines = code.splitlines()
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        functions += [node for node in cls.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in sorted(functions, key=lambda node: node.lineno, reverse=True):
        cut = _body_cut(function, lines)
        if cut is None:
            continue
        start, indent = cut
        lines[start : function.end_lineno] = [indent + "..."]
    return "\n".join(lines) + ("\n" if code.endswith("\n") else "")


def _body_cut(function: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> tuple[int, str] | None:
    """Where ``function``'s body after its docstring starts (a 0-based line index) and its indentation; None when
    there is nothing to cut (only a docstring, ``pass`` or ``...``) or the layout is one the cut cannot follow
    (a body on the ``def`` line)."""
    body = function.body
    docstring = bool(body) and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str)
    rest = body[1:] if docstring else body
    if all(isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and _is_ellipsis(stmt.value)) for stmt in rest):
        return None
    if docstring:
        start = body[0].end_lineno or body[0].lineno
    else:  # the line that ends the signature with its colon
        parts = [*ast.walk(function.args), *([function.returns] if function.returns else [])]
        start = max([function.lineno, *(part.end_lineno or 0 for part in parts if hasattr(part, "end_lineno"))])
        while start < rest[0].lineno and not lines[start - 1].split("#")[0].rstrip().endswith(":"):
            start += 1
    if start >= rest[0].lineno:
        return None
    indent = lines[rest[0].lineno - 1][: rest[0].col_offset]
    return start, indent


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _signatures_block(block: re.Match[str]) -> str:
    if block.group(1).lower() not in PYTHON_LANGS:
        return block.group(0)
    code = block.group(2)
    return block.group(0).replace(code, signatures_only(code), 1) if code else block.group(0)


def _indented(text: str, at: int) -> bool:
    """Whether only whitespace, and some, stands before ``at`` on its line (a method in a class's block)."""
    before = text[text.rfind("\n", 0, at) + 1 : at]
    return bool(before) and not before.strip()


def entry_point_of(problem: str, expected: Iterable[str] = ()) -> str | None:
    """The function (or class) a problem asks for: the first of ``expected`` (the seed's functions and classes,
    which the questioner is asked to keep) that the problem calls or defines, else the first ``def name(`` it shows
    (signature in the statement) that is no test and no method (indented), else the first ``class Name`` it shows,
    else the first name it calls in backticks that is not a builtin (the 0.5B's "does not support the ``len()``
    method" came before its ``length_hint(...)`` examples). A class problem whose statement shows the class but no
    call of it (idlelib's ``Delegator``, session 21) was read as asking for its ``__init__``."""
    for name in expected:
        if re.search(rf"(?<![\w.]){re.escape(name)}\s*\(|\bclass\s+{re.escape(name)}\b", problem):
            return name
    functions = [
        match.group(1)
        for match in _DEF_NAME.finditer(problem)
        if not match.group(1).startswith("test") and not _indented(problem, match.start())
    ]
    classes = _CLASS_NAME.findall(problem)
    if functions or classes:
        return (functions or classes)[0]
    called = [name for name in re.findall(r"`([A-Za-z_]\w*)\s*\(", problem) if name not in _BUILTIN_NAMES]
    if called:
        return called[0]
    match = re.search(r"\bfunction\s+(?:named\s+|called\s+)?`([A-Za-z_]\w*)`", problem, re.IGNORECASE)
    return match.group(1) if match else None

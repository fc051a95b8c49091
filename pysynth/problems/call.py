"""The function-call harness: turns a call-mode solution into a stdin program the judge runs in
the same sandbox, with the same limits, as any other.

The program the judge runs reads one test's arguments (a JSON list) from stdin, then runs the
solution as a module after the imports LiveCodeBench and TACO put before every solution, takes
`fn_name` (a method of LeetCode's `class Solution` when there is one, else a top-level function),
calls it, and prints `json.dumps` of the return value (tuples become lists, as both evaluators
compare them) on stdout. The comparator (`call`) then compares that value with the expected one.

Why stdin and JSON rather than running the call in the judge's process: the solution stays in
the sandbox, and the expected value never enters the process being judged. What the solution
prints itself goes to stderr, so it cannot forge the answer line; it sees an empty stdin.
"""

from __future__ import annotations

from pysynth.errors import InputError

# The imports LiveCodeBench (`lcb_runner/evaluation/testing_util.py`, `import_string`) and TACO
# prepend to a call-based solution, run before the solution so its line numbers are its own.
PRELUDE = """\
from string import *
from re import *
from datetime import *
from collections import *
from heapq import *
from bisect import *
from copy import *
from math import *
from random import *
from statistics import *
from itertools import *
from functools import *
from operator import *
from io import *
from sys import *
from json import *
from builtins import *
from typing import *
import string, re, datetime, collections, heapq, bisect, copy, math, random, statistics, itertools, functools, operator, io, sys, json
sys.setrecursionlimit(50000)
"""

HARNESS = '''\
import json as _json
import os as _os
import sys as _sys

_arguments = _json.loads(_sys.stdin.read())
_sys.stdin = open(_os.devnull)
_answer = _sys.stdout
_sys.stdout = _sys.stderr
_namespace = {{"__name__": "solution", "__builtins__": __builtins__}}
exec(compile({prelude!r}, "<prelude>", "exec"), _namespace)
exec(compile({source!r}, "solution.py", "exec"), _namespace)
_solution_class = _namespace.get("Solution")
if isinstance(_solution_class, type) and hasattr(_solution_class, {fn_name!r}):
    _function = getattr(_solution_class(), {fn_name!r})
elif callable(_namespace.get({fn_name!r})):
    _function = _namespace[{fn_name!r}]
else:
    raise SystemExit("the solution defines no function or Solution method named " + {fn_name!r})
_result = _function(*_arguments)
_sys.stdout.flush()
_answer.write(_json.dumps(_result, default=repr))
_answer.write("\\n")
_answer.flush()
'''


def call_program(source: str, fn_name: str) -> str:
    """The Python program that judges `source` by calling `fn_name` on each test's arguments."""
    if not fn_name.isidentifier():
        raise InputError(f"fn_name {fn_name!r} is not a Python identifier")
    return HARNESS.format(prelude=PRELUDE, source=source, fn_name=fn_name)

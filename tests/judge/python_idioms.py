"""Python idioms from competitive programming whose stdout and exit status are deterministic.

Each is a small program as a contestant would write it. Together they pin down what a fresh
`python3 main.py` does that a warm, forked interpreter must copy: how stdin arrives (a regular
file, bytes as given, no newline translation), how stdout is buffered and when it is flushed, and
everything CPython does on the way out (non-daemon threads joined, then atexit handlers in LIFO
order, then sys.stdout flushed, then module globals torn down), and which exits skip all of that
(`os._exit`). No program prints a path or a traceback to stdout: those differ between runners.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Idiom:
    name: str
    source: str
    stdin: str = ""
    """Encoded as UTF-8 with surrogateescape: a lone surrogate `\\udcXX` stands for the raw byte XX."""

    @property
    def stdin_bytes(self) -> bytes:
        return self.stdin.encode("utf-8", "surrogateescape")


def _idiom(name: str, source: str, stdin: str = "") -> Idiom:
    return Idiom(name, textwrap.dedent(source).lstrip("\n"), stdin)


READING = [
    _idiom("input_and_print", """
        n = int(input())
        a = list(map(int, input().split()))
        print(n, sum(a), max(a))
    """, "4\n3 1 4 1\n"),
    _idiom("stdin_readline_loop", """
        import sys
        input = sys.stdin.readline

        t = int(input())
        for _ in range(t):
            a, b = map(int, input().split())
            print(a * b % 1_000_003)
    """, "3\n2 3\n1000 1000\n123456 654321\n"),
    _idiom("open0_read_split", """
        data = open(0).read().split()
        n = int(data[0])
        print(*sorted(map(int, data[1:1 + n])))
    """, "5\n9 -2 7\n0 4\n"),
    _idiom("stdin_buffer_read", """
        import sys

        tokens = sys.stdin.buffer.read().split()
        n = int(tokens[0])
        print(b" ".join(reversed(tokens[1:1 + n])).decode())
    """, "3 alpha beta gamma"),
    # Reads exactly st_size bytes: empty unless stdin is a regular file, as it is for `main.py < in`.
    _idiom("os_read_fstat_bytesio", """
        import io
        import os

        input = io.BytesIO(os.read(0, os.fstat(0).st_size)).readline
        n = int(input())
        total = 0
        for _ in range(n):
            x, y = map(int, input().split())
            total += x ^ y
        print(total, input() == b"")
    """, "3\n5 3\n10 10\n7 0\n"),
    _idiom("input_until_eof_error", """
        count = 0
        longest = ""
        while True:
            try:
                line = input()
            except EOFError:
                break
            count += 1
            if len(line) > len(longest):
                longest = line
        print(count, longest)
    """, "ab\nabcd\n\nabc"),
    _idiom("stdin_as_iterator", """
        import sys

        header = next(sys.stdin)
        for number, line in enumerate(sys.stdin, 1):
            print(number, line.rstrip("\\n")[::-1])
        print(header.strip())
    """, "names\nada\ngrace\nlinus\n"),
    # On POSIX sys.stdin uses newline="\n": "\r" is kept, unlike a file opened with open(0).
    _idiom("crlf_stdin_untranslated", """
        import sys

        first = input()
        second = sys.stdin.readline()
        print(repr(first), repr(second), int(first))
    """, "3\r\nab\r\n"),
    # sys.stdin has already buffered the whole (small) file, so fd 0 is at its end.
    _idiom("input_then_open0", """
        n = int(input())
        rest = open(0).read()
        print(n, repr(rest))
    """, "2\n5 7\n"),
    # When stdin is not a terminal the prompt goes to stdout, with no newline.
    _idiom("input_with_prompt", """
        name = input("Name? ")
        print(f"Hello, {name}!")
    """, "Ada\n"),
    # LANG=C.UTF-8 makes stdio errors "surrogateescape": undecodable bytes survive a round trip.
    _idiom("undecodable_stdin_round_trip", """
        import sys

        line = input()
        print(len(line), line)
        print(sys.stdin.encoding, sys.stdout.errors)
    """, "caf\udce9 ok\n"),
    _idiom("input_on_empty_stdin", """
        print("reading")
        n = int(input())
        print(n)
    """),
]

WRITING = [
    _idiom("stdout_write_without_newline", """
        import sys

        sys.stdout.write(" ".join(str(i * i) for i in range(6)))
    """),
    _idiom("unicode_output", """
        word = "héllo ✓"
        print(word, len(word), word.encode().hex())
        print("日本語", "Ω≈ç√", sep="|")
    """),
    _idiom("empty_output", """
        print(end="")
    """),
    _idiom("large_output", """
        print("\\n".join(map(str, range(300_000))))
    """),
    _idiom("print_to_stderr", """
        import sys

        n = int(input())
        print("debug: n =", n, file=sys.stderr)
        print(n + 1)
        sys.stderr.write("done\\n")
    """, "41\n"),
    _idiom("buffer_write_between_flushes", """
        import sys

        print("text first")
        sys.stdout.flush()
        sys.stdout.buffer.write(b"bytes second\\n")
        sys.stdout.buffer.flush()
        print("text third")
    """),
    # A print waits in the text layer's pending buffer, so raw bytes written after it come out
    # first. Holds only while stdout is block-buffered: `-u` or line buffering keeps source order.
    _idiom("buffer_write_overtakes_print", """
        import sys

        print("printed first")
        sys.stdout.buffer.write(b"written second, shown first\\n")
    """),
    _idiom("print_flush_then_os_write", """
        import os

        print("via print", flush=True)
        os.write(1, b"via os.write\\n")
        print("print again")
    """),
    # The fast-output template: everything goes to a StringIO that an atexit handler copies to the
    # real stdout; that write is flushed only when sys.__stdout__ itself is finalized.
    _idiom("stringio_stdout_atexit", """
        import atexit
        import io
        import sys

        buffer = io.StringIO()
        sys.stdout = buffer
        atexit.register(lambda: sys.__stdout__.write(buffer.getvalue()))

        n = int(input())
        for i in range(1, n + 1):
            print(i * i)
    """, "5\n"),
    # A hand-rolled writer on IOBase: nothing reaches fd 1 until the interpreter flushes sys.stdout.
    _idiom("iobase_writer_flushed_at_exit", """
        import os
        import sys
        from io import BytesIO, IOBase


        class FastWriter(IOBase):
            def __init__(self):
                self.pending = BytesIO()

            def writable(self):
                return True

            def write(self, text):
                return self.pending.write(text.encode())

            def flush(self):
                os.write(1, self.pending.getvalue())
                self.pending.seek(0)
                self.pending.truncate()


        sys.stdout = FastWriter()
        read = sys.stdin.buffer.readline
        for _ in range(int(read())):
            a, b = map(int, read().split())
            print(a + b)
    """, "3\n1 2\n30 40\n-5 5\n"),
    # The final flush of a sys.stdout without flush() fails: CPython exits with status 120.
    _idiom("custom_stdout_without_flush", """
        import sys


        class Collector:
            def __init__(self, target):
                self.target = target

            def write(self, text):
                self.target.write(text.upper())


        sys.stdout = Collector(sys.__stdout__)
        print("shouted")
    """),
]

SHUTDOWN = [
    _idiom("atexit_handlers_lifo", """
        import atexit


        def bye(tag):
            print("bye", tag)


        for tag in "abc":
            atexit.register(bye, tag)
        atexit.register(print, "registered last, runs first")
        print("main done")
    """),
    # An exception (even SystemExit) in an atexit handler is reported on stderr and ignored.
    _idiom("atexit_handler_raises", """
        import atexit
        import sys

        atexit.register(print, "still runs")
        atexit.register(sys.exit, 7)


        @atexit.register
        def broken():
            raise ValueError("from atexit")


        print("main")
    """),
    _idiom("weakref_finalize", """
        import weakref


        class Graph:
            pass


        kept = Graph()
        weakref.finalize(kept, print, "finalizer of a live object, at exit")
        dropped = Graph()
        weakref.finalize(dropped, print, "finalizer of a dropped object, at once")
        del dropped
        print("main done")
    """),
    _idiom("module_global_del_at_shutdown", """
        class Report:
            def __init__(self):
                self.lines = []

            def __del__(self):
                print("\\n".join(self.lines))


        report = Report()
        for i in range(3):
            report.lines.append(f"line {i}")
        print("main done")
    """),
    # weakref.finalize registers its atexit hook on first use, so an atexit handler registered
    # later runs before it; __del__ of a global comes last, when __main__ is torn down.
    _idiom("shutdown_order", """
        import atexit
        import threading
        import time
        import weakref


        class Tracer:
            def __del__(self):
                print("4 __del__ of a global")


        tracer = Tracer()
        weakref.finalize(tracer, print, "3 weakref.finalize")
        atexit.register(print, "2 atexit")
        main_printed = threading.Event()


        def worker():
            main_printed.wait()
            time.sleep(0.05)
            print("1 non-daemon thread")


        threading.Thread(target=worker).start()
        print("0 main")
        main_printed.set()
    """),
    _idiom("non_daemon_thread_prints_late", """
        import threading
        import time

        main_printed = threading.Event()


        def late():
            main_printed.wait()
            time.sleep(0.1)
            print("printed by a thread after the main thread returned")


        threading.Thread(target=late).start()
        print("main returned")
        main_printed.set()
    """),
    _idiom("daemon_thread_sleeps_forever", """
        import threading
        import time


        def forever():
            while True:
                time.sleep(1)


        threading.Thread(target=forever, daemon=True).start()
        print("exit does not wait for daemon threads")
    """),
    # The usual deep-recursion template, without join: the interpreter waits for the thread.
    # lru_cache recurses in C, so only the 256 MiB thread stack holds 50000 levels.
    _idiom("recursion_in_big_stack_thread", """
        import sys
        import threading
        from functools import lru_cache

        sys.setrecursionlimit(10**6)
        threading.stack_size(256 << 20)


        def depth(n):
            return 0 if n == 0 else depth(n - 1) + 1


        @lru_cache(maxsize=None)
        def weighted(n):
            return 0 if n == 0 else weighted(n - 1) + n % 7


        def main():
            n = int(input())
            print(depth(n), weighted(n))


        threading.Thread(target=main).start()
    """, "50000\n"),
    # 2000 levels of C recursion: well inside an 8 MiB main-thread stack.
    _idiom("lru_cache_recursion", """
        import sys
        from functools import lru_cache

        sys.setrecursionlimit(10_000)


        @lru_cache(maxsize=None)
        def tilings(n):
            if n < 2:
                return 1
            return (tilings(n - 1) + 2 * tilings(n - 2)) % 998_244_353


        n = int(input())
        print(tilings(n), tilings.cache_info().currsize)
    """, "2000\n"),
    # A contestant who forgot setrecursionlimit: RecursionError past the default limit of 1000.
    _idiom("default_recursion_limit", """
        import sys


        def depth(n):
            return 0 if n == 0 else depth(n - 1) + 1


        print(sys.getrecursionlimit(), depth(900))
        print(depth(5000))
    """),
]

EXITS = [
    _idiom("sys_exit_main_returns_0", """
        import sys


        def main():
            print("solved")
            return 0


        if __name__ == "__main__":
            sys.exit(main())
    """),
    _idiom("sys_exit_main_returns_3", """
        import sys


        def main():
            print("partial answer")
            return 3


        if __name__ == "__main__":
            sys.exit(main())
    """),
    _idiom("sys_exit_main_returns_none", """
        import sys


        def main():
            print("no return value")


        if __name__ == "__main__":
            sys.exit(main())
    """),
    _idiom("sys_exit_message", """
        import sys

        print("before the error")
        sys.exit("error: malformed input")
    """),
    _idiom("sys_exit_minus_one", """
        import sys

        print("exit status is taken modulo 256")
        sys.exit(-1)
    """),
    _idiom("raise_system_exit_2", """
        print("raising")
        raise SystemExit(2)
    """),
    _idiom("site_exit_builtin", """
        print("bye")
        exit()
        print("unreachable")
    """),
    _idiom("site_quit_builtin", """
        print("bye")
        quit()
        print("unreachable")
    """),
    _idiom("site_exit_builtin_5", """
        print("bye")
        exit(5)
    """),
    _idiom("os_exit_4_after_flush", """
        import os

        print("kept", flush=True)
        os._exit(4)
    """),
    # os._exit skips every flush: what print buffered is lost.
    _idiom("os_exit_0_without_flush", """
        import os

        print("lost")
        os._exit(0)
    """),
    _idiom("stdout_flush_then_os_exit_0", """
        import os
        import sys

        sys.stdout.write("flushed by hand\\n")
        sys.stdout.flush()
        print("lost")
        os._exit(0)
    """),
    _idiom("uncaught_exception", """
        counts = {}
        print("before the crash")
        print(counts["missing"])
    """),
    _idiom("assert_fails", """
        n = int(input())
        print(__debug__, n)
        assert n % 2 == 0, "expected an even n"
        print("unreachable")
    """, "7\n"),
    # Python re-raises the interrupt as SIGINT on itself: the process dies by signal 2.
    _idiom("uncaught_keyboard_interrupt", """
        print("interrupted")
        raise KeyboardInterrupt
    """),
    # threading's excepthook reports on stderr; the process still exits 0.
    _idiom("exception_in_thread", """
        import threading


        def work():
            print("thread started")
            raise ValueError("lost in a thread")


        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        print("main goes on")
    """),
    _idiom("sys_exit_in_thread", """
        import sys
        import threading


        def work():
            print("thread exits")
            sys.exit(3)


        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        print("only the thread ended")
    """),
]

MODULE = [
    _idiom("name_main_guard", """
        def solve(values):
            return sum(v * v for v in values)


        def main():
            print(solve(map(int, input().split())))


        if __name__ == "__main__":
            main()
    """, "1 2 3\n"),
    _idiom("main_module_attributes", '''
        """Sum of squares."""
        print(__name__, repr(__doc__), __package__, __spec__)
        print(type(__builtins__).__name__, __builtins__.__name__)
    '''),
    _idiom("import_main_global", """
        import sys

        import __main__

        MOD = 10**9 + 7


        def modulus():
            return __main__.MOD


        print(modulus(), sys.modules["__main__"].MOD, sys.modules[__name__] is __main__)
        __main__.MOD = 998_244_353
        print(MOD)
    """),
    _idiom("pickle_class_from_main", """
        import pickle
        from dataclasses import dataclass


        @dataclass(frozen=True, order=True)
        class Edge:
            weight: int
            to: int


        edges = sorted([Edge(5, 1), Edge(2, 3), Edge(2, 0)])
        print(pickle.loads(pickle.dumps(edges)) == edges, edges[0])
    """),
    _idiom("sys_argv", """
        import sys

        print(sys.argv, len(sys.argv))
    """),
    # Annotations are evaluated: nothing may compile the program with inherited __future__ flags.
    _idiom("annotations_evaluated", """
        def best(scores: list[int], k: int = 1) -> int:
            return sorted(scores)[-k]


        print(best.__annotations__)
        print(best([4, 9, 1]))
    """),
    # A docstring and then a __future__ import must open the file: nothing may be prepended.
    _idiom("future_annotations_after_docstring", '''
        """Reads nothing, prints its own annotations."""
        from __future__ import annotations


        def area(width: int, height: int) -> int:
            return width * height


        print(area.__annotations__, area(3, 4))
    '''),
    # Python 3.11 limits int -> str conversions to 4300 digits unless a program lifts the limit.
    _idiom("int_max_str_digits", """
        import math
        import sys

        big = math.factorial(2000)
        try:
            str(big)
        except ValueError:
            print("limited at", sys.get_int_max_str_digits())
        sys.set_int_max_str_digits(0)
        digits = str(big)
        print(len(digits), digits[:12])
    """),
]

IDIOMS: list[Idiom] = READING + WRITING + SHUTDOWN + EXITS + MODULE

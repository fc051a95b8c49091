"""pysynth judge zygote: a warm interpreter inside a box's namespaces that forks each Python run.

Started by the Rust judge as `python -I -S -B -c <this> <config json>`, inside the box's
mount/network/IPC/UTS namespaces (when sandboxed), as root of that view. It never runs untrusted
code itself. For each run the Rust side first starts a native namespace holder (PID 1 of a fresh
PID namespace, with its own mount namespace: a private /tmp and the lease's directory at /work);
the zygote forks the run's process straight into it (`setns` on a pidfd), as PID 2. The child
takes the run's privileges (the same fields, in the same order, as native runs: rlimits, no
supplementary groups, gid, uid, no_new_privs, seccomp), its stdio, closes every other descriptor,
then runs the solution exactly as `python3 main.py` would (see `run_script`).

Protocol (JSON lines on stdin/stdout): request {"op": "run", ...} -> {"pid": host pid} ->
{"op": "go" | "abort"} -> {"status", "utime", "stime", "maxrss_kb", "setup"}; {"op": "exit"}.
"setup" is "ok" once the child is isolated, or the step that failed, so a failed isolation step is
never mistaken for (or turned into) an unsandboxed run.
"""

import atexit
import builtins
import ctypes
import gc
import io
import json
import marshal
import os
import resource
import signal
import site
import sys
import traceback  # imported here, warm, rather than in every child
import types

CONFIG = json.loads(sys.argv[1])
SANDBOXED = CONFIG["sandboxed"]
LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP = bytes.fromhex(CONFIG["seccomp"]) if CONFIG.get("seccomp") else None
CONTROL_IN, CONTROL_OUT = sys.stdin.buffer, sys.stdout.buffer
# Our own PID namespace, to return to after forking a program into a run's namespace.
OWN_PID_NAMESPACE = os.pidfd_open(os.getpid()) if SANDBOXED else None
# What a script's sys.path holds beyond its own directory: the standard library (this
# interpreter runs with -I -S, so no site-packages) and the configured read-only packages.
LIBRARY_PATH = [*sys.path, *CONFIG.get("packages", [])]
# How this interpreter made its own stdio: a script's come from the same logic, with the same
# environment, and neither is a terminal (pipes here, files for a run).
STDIO = {name: getattr(sys, f"__{name}__") for name in ("stdin", "stdout", "stderr")}
STDIO_SETTINGS = {name: (stream.encoding, stream.errors, stream.line_buffering, stream.write_through)
                  for name, stream in STDIO.items()}
ORIGINAL_ARGV = list(sys.orig_argv)
# The builtins `site` adds to a normal interpreter (exit, quit, help, copyright, ...); importing
# `site` under -S does not touch sys.path.
site.setquit()
site.setcopyright()
site.sethelper()


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# Built once, warm: every child installs the same program.
SECCOMP_BUFFER = ctypes.create_string_buffer(SECCOMP, len(SECCOMP)) if SECCOMP else None
SECCOMP_PROGRAM = SockFprog(len(SECCOMP) // 8, ctypes.cast(SECCOMP_BUFFER, ctypes.c_void_p)) if SECCOMP else None


def check(result, step):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{step}: {os.strerror(error)}")


def reply(message):
    CONTROL_OUT.write(json.dumps(message).encode() + b"\n")
    CONTROL_OUT.flush()


def drop_privileges(request):
    """In the run's process, before it runs: the `Privileges` value of worker.rs, in order."""
    os.chdir(request["cwd"])
    privileges = request["privileges"]
    for name, value in privileges["rlimits"]:
        resource.setrlimit(getattr(resource, name), (value, value))
    uid = privileges["uid"]
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        if SECCOMP_PROGRAM is not None:
            check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(SECCOMP_PROGRAM), 0, 0),
                  "install seccomp filter")


def new_stream(name, fd):
    """A standard stream as CPython's create_stdio makes it: buffered io.open of the descriptor,
    raw name `<stdin>`, newline "\\n" (no translation), the interpreter's encoding and errors,
    line-buffered stderr."""
    encoding, errors, line_buffering, write_through = STDIO_SETTINGS[name]
    buffer = io.open(fd, "rb" if name == "stdin" else "wb", buffering=-1, closefd=False)
    buffer.raw.name = f"<{name}>"
    stream = io.TextIOWrapper(buffer, encoding=encoding, errors=errors, newline="\n",
                              line_buffering=line_buffering, write_through=write_through)
    stream.mode = "r" if name == "stdin" else "w"
    return stream


def compile_sources(pairs):
    """The compile step: byte-compile each main.py to a marshalled code object (syntax errors
    surface here, once per solution). Prints one JSON line per source: null, or its error."""
    sys.stdout = new_stream("stdout", 1)
    for path, target in pairs:
        try:
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec", dont_inherit=True)
            with open(target, "wb") as output:
                marshal.dump(code, output)
            error = None
        except SyntaxError as failure:
            error = "".join(traceback.format_exception_only(type(failure), failure))
        except BaseException as failure:  # MemoryError, RecursionError, ValueError (NUL bytes)...
            error = f"{type(failure).__name__}: {failure}\n"
        sys.stdout.write(json.dumps(error) + "\n")
    sys.stdout.flush()
    return 0


def exit_status(exit_request):
    """CPython's handle_system_exit: None is 0, an int is itself, anything else is printed to
    stderr and is 1."""
    code = exit_request.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def flush_std_files():
    """Py_FinalizeEx's flush_std_files: flush whatever sys.stdout and sys.stderr are now."""
    status = 0
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None or getattr(stream, "closed", False):
            continue
        try:
            stream.flush()
        except BaseException:
            status = -1
    return status


def finalize(main_module):
    """Py_FinalizeEx, as far as a script can see it: wait for non-daemon threads, run atexit
    handlers, flush sys.stdout/sys.stderr (whatever they are now), restore the original streams,
    clear __main__ as _PyModule_ClearDict does (finalizers of module-level objects run), collect
    garbage and flush again. Returns -1 when a flush failed (the interpreter then exits 120)."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException:
            pass
    atexit._run_exitfuncs()
    status = flush_std_files()
    for name in ("stdin", "stdout", "stderr"):
        setattr(sys, name, getattr(sys, f"__{name}__"))
    if sys.modules.get("__main__") is main_module:
        del sys.modules["__main__"]
    namespace = main_module.__dict__
    del main_module
    for key in [k for k in namespace if k[:1] == "_" and k[1:2] != "_"]:
        namespace[key] = None
    for key in [k for k in namespace if k != "__builtins__"]:
        namespace[key] = None
    gc.collect()
    return min(status, flush_std_files())


class Interrupted(Exception):
    """The script ended with an uncaught KeyboardInterrupt: CPython then kills itself with SIGINT."""


def run_script(path, arguments):
    """Runs the compiled main.py at `path` as `python3 main.py ARGUMENTS` would, shutdown
    included, and returns the process's exit status (or raises Interrupted)."""
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        stream = new_stream(name, fd)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    script = path[: -len(".code")] + ".py"
    sys.argv = ["main.py", *arguments]
    sys.orig_argv = [ORIGINAL_ARGV[0], "main.py", *arguments]
    sys.path[:] = [os.path.dirname(script), *LIBRARY_PATH]
    atexit._clear()
    main_module = types.ModuleType("__main__")
    main_module.__file__ = script
    main_module.__cached__ = None
    main_module.__builtins__ = builtins
    sys.modules["__main__"] = main_module
    status, interrupted = 0, False
    try:
        with open(path, "rb") as compiled:
            code = marshal.loads(compiled.read())
        exec(code, main_module.__dict__)
    except SystemExit as exit_request:
        status = exit_status(exit_request)
    except BaseException as error:
        interrupted = isinstance(error, KeyboardInterrupt)
        # The traceback starts at the solution's own code, as under `python3 main.py`.
        try:
            sys.excepthook(type(error), error, error.__traceback__.tb_next)
        except BaseException:
            pass
        status = 1
    try:
        if finalize(main_module) < 0:
            status = 120
    except SystemExit as exit_request:
        status = exit_status(exit_request)
    except BaseException:
        status = status or 1
    if interrupted:
        raise Interrupted()
    return status


def exec_program(argv, extra_env):
    """A compiled program, when there are no cgroups to measure its memory: exec'd from this small
    process, its peak RSS (which includes what the process held before exec) stays meaningful."""
    # CPython ignores these, and ignored signals survive exec: a shell would give the defaults.
    for number in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(number, signal.SIG_DFL)
    try:
        # Sorted, as the native path orders it: every program sees the same environ.
        environ = {**os.environ, **dict(pair.split("=", 1) for pair in extra_env)}
        os.execve(argv[0], argv, dict(sorted(environ.items())))
    except OSError as error:
        os.write(2, f"cannot execute {argv[0]}: {error}\n".encode())
    os._exit(127)


def child(request, descriptors, setup_write, holder):
    """PID 2 of the run: join the run's mount namespace (private /tmp, the lease at /work), take
    the run's privileges and stdio, then run the solution. Never returns into the zygote's loop,
    whatever the solution does to sys.stderr or the exception machinery."""
    try:
        if holder is not None:
            check(LIBC.setns(holder, CLONE_NEWNS), "join the run's mount namespace")
            os.close(holder)
        drop_privileges(request)
        for target, fd in enumerate(descriptors):
            os.dup2(fd, target)
        os.set_inheritable(setup_write, False)
        os.closerange(3, setup_write)
        os.closerange(setup_write + 1, 1 << 20)
    except BaseException as error:
        os.write(setup_write, f"{type(error).__name__}: {error}".encode())
        os._exit(120)
    os.write(setup_write, b"ok")
    os.close(setup_write)
    try:
        if request["compile"]:
            status = compile_sources(request["compile"])
        elif request.get("python") is None:
            exec_program(request["argv"], request["env"])
        else:
            status = run_script(request["python"], request["argv"])
        os._exit(status & 0xFF)
    except Interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        os._exit(1)
    finally:
        os._exit(1)


def open_stdio(request):
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    stdin = os.open(request["stdin"] or "/dev/null", os.O_RDONLY | flags)
    outputs = [os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | flags, 0o600)
               for name in ("stdout", "stderr")]
    return [stdin, *outputs]


def fork_child(request, descriptors, setup_write, go_read):
    """Fork the run's process, into the namespaces of its holder (`request["join"]`) if given."""
    holder = os.pidfd_open(request["join"]) if request.get("join") is not None else None
    try:
        if holder is not None:
            check(LIBC.setns(holder, CLONE_NEWPID), "join the run's PID namespace")
        pid = os.fork()
        if pid == 0:
            try:
                if os.read(go_read, 1) == b"g":
                    child(request, descriptors, setup_write, holder)
            finally:
                os._exit(127)
    finally:
        if holder is not None:
            check(LIBC.setns(OWN_PID_NAMESPACE, CLONE_NEWPID), "return to the zygote's PID namespace")
            os.close(holder)
    return pid


def handle_run(request):
    descriptors = open_stdio(request)
    setup_read, setup_write = os.pipe()
    go_read, go_write = os.pipe()
    try:
        pid = fork_child(request, descriptors, setup_write, go_read)
    finally:
        for fd in (*descriptors, setup_write, go_read):
            os.close(fd)
    reply({"pid": pid})
    command = json.loads(CONTROL_IN.readline() or b'{"op": "abort"}')
    if command.get("op") == "go":
        os.write(go_write, b"g")
    os.close(go_write)
    setup = b""
    while chunk := os.read(setup_read, 4096):
        setup += chunk
    os.close(setup_read)
    _, status, usage = os.wait4(pid, 0)
    reply({"status": status, "utime": usage.ru_utime, "stime": usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
           "setup": setup.decode(errors="replace")})


def serve():
    # Everything the zygote has allocated moves to the permanent generation: a forked child's
    # garbage collector then leaves those pages alone instead of copying them on write.
    gc.collect()
    gc.freeze()
    reply({"ready": True})
    for line in CONTROL_IN:
        request = json.loads(line)
        if request["op"] == "exit":
            return
        try:
            handle_run(request)
        except OSError as error:
            reply({"error": f"{type(error).__name__}: {error}"})


serve()

"""pysynth judge zygote: a warm interpreter inside the sandbox that starts each run.

Started by the Rust judge as `python -I -S -B -c <this> <config json>`, inside the sandbox's
mount/network/IPC/UTS namespaces, as root of that view. It never runs untrusted code itself. For
each request it clones a child straight into a fresh PID namespace (`clone(CLONE_NEWPID)`, which,
unlike `unshare`, can be repeated), so `kill(-1)` or a leftover daemon cannot outlive or escape the
run: when the child, PID 1 of its namespace, exits, the kernel kills everything else in it.

With cgroups, the Rust judge starts a native namespace holder as PID 1 of each run (new PID
namespace, private /tmp) and the zygote forks the program straight into it (`setns` on a pidfd),
as PID 2; its parent, the zygote, is outside the namespace, so it sees ppid 0, as after nsenter.
Otherwise the zygote clones its own init (PID 1), which mounts the private /tmp and forks or
spawns the program. Either way the program takes rlimits, an unprivileged uid/gid with no
supplementary groups, no_new_privs, the seccomp filter, stdio on the given files, every other
descriptor closed, an empty environment; then it execs or, for Python, runs the solution's
pre-compiled code in this warm interpreter (no start-up cost).
It reports "ok" on a close-on-exec pipe once the sandbox is in place, or the step that failed, so a
failed isolation step is never mistaken for (or turned into) an unsandboxed run.

Protocol (JSON lines on stdin/stdout): request {"op": "run", ...} -> {"pid": host pid} ->
{"op": "go" | "abort"} -> {"status", "utime", "stime", "maxrss_kb", "setup"}; {"op": "exit"}.
"""

import ctypes
import gc
import io
import json
import marshal
import os
import resource
import signal
import sys
import traceback  # imported here, warm, rather than in every child

CONFIG = json.loads(sys.argv[1])
SANDBOXED = CONFIG["sandboxed"]
LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWPID, SIGCHLD = 0x00020000, 0x20000000, 17
MS_NOSUID, MS_NODEV = 2, 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP = bytes.fromhex(CONFIG["seccomp"]) if CONFIG.get("seccomp") else None
CONTROL_IN, CONTROL_OUT = sys.stdin.buffer, sys.stdout.buffer
# Our own PID namespace, to return to after forking a program into a run's namespace.
OWN_PID_NAMESPACE = os.pidfd_open(os.getpid()) if SANDBOXED else None


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


def private_tmp(request):
    """In the run's init, as root: a mount namespace of its own with a fresh tmpfs on /tmp."""
    if SANDBOXED:
        check(LIBC.unshare(CLONE_NEWNS), "unshare mount namespace")
        options = f"size={request['scratch']},mode=1777".encode()
        check(LIBC.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, options), "mount private /tmp")


def drop_privileges(request):
    """In the program's process, before it runs: limits, identity, no_new_privs, seccomp."""
    os.chdir(request["cwd"])
    for name, value in request["rlimits"]:
        resource.setrlimit(getattr(resource, name), (value, value))
    if SANDBOXED:
        uid = request["uid"]
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        if SECCOMP_PROGRAM is not None:
            check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(SECCOMP_PROGRAM), 0, 0), "install seccomp filter")
    os.environ.clear()


def run_python(path, compile_to, arguments):
    """Run (or, with `compile_to`, only compile) a Python solution in this process. Never returns:
    whatever the solution does to sys.stderr or the exception machinery, this process ends here
    and never falls back into the zygote's loop."""
    try:
        os._exit(solution_status(path, compile_to, arguments) & 0xFF)
    except BaseException:
        os._exit(1)
    finally:
        os._exit(1)


def solution_status(path, compile_to, arguments):
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", write_through=True)
    sys.argv = ["main.py", *arguments]
    status = 0
    try:
        with open(path, "rb") as source:
            data = source.read()
        if compile_to is not None:
            code = compile(data, "main.py", "exec", dont_inherit=True)
            with open(compile_to, "wb") as target:
                marshal.dump(code, target)
        else:
            exec(marshal.loads(data), {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "main.py"})
    except SystemExit as exit_request:
        code = exit_request.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, (int, type(None))):
            print(code, file=sys.stderr)
    except SyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
        status = 1
    except BaseException as error:
        # Skip this function's frame: the solution's traceback starts at its own code.
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            status = status or 1
    return status


def init(request, descriptors, setup_write, go_read, result_write):
    """PID 1 of the run's namespace. The program runs as PID 2 because the kernel shields PID 1 from
    its own default-action signals: as PID 1, abort() would not die of SIGABRT, nor kill(getpid())
    of anything. This process reaps the program and reports its status on `result_write`."""
    try:
        if os.read(go_read, 1) != b"g":
            os._exit(0)
        private_tmp(request)
        if request.get("python") is None:
            pid = spawn_executable(request, descriptors, setup_write)
        else:
            pid = os.fork()
            if pid == 0:
                try:
                    program(request, descriptors, setup_write, result_write)
                finally:
                    os._exit(127)
    except BaseException as error:
        os.write(setup_write, f"{type(error).__name__}: {error}".encode())
        os._exit(120)
    for fd in (*descriptors, setup_write):
        os.close(fd)
    if pid is None:
        report = {"status": 127 << 8, "utime": 0.0, "stime": 0.0, "maxrss_kb": 0}
    else:
        _, status, usage = os.wait4(pid, 0)
        report = {"status": status, "utime": usage.ru_utime, "stime": usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
    os.write(result_write, json.dumps(report).encode())
    os._exit(0)


def spawn_executable(request, descriptors, setup_write):
    """For compiled programs the init takes the program's identity itself (it stays shielded from
    the program's signals as PID 1) and posix_spawns it: no second fork of this interpreter. All
    descriptors here but 0-2 are close-on-exec, and file actions replace those three."""
    drop_privileges(request)
    os.write(setup_write, b"ok")
    argv = request["argv"]
    try:
        return os.posix_spawn(
            argv[0], argv, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            file_actions=[(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(descriptors)],
            # CPython ignores SIGPIPE and SIGXFSZ, and ignored signals survive exec: give the
            # program the defaults a shell would, so writing past the output limit kills it.
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
        )
    except OSError as error:
        os.write(descriptors[2], f"cannot execute {argv[0]}: {error}\n".encode())
        return None


def program(request, descriptors, setup_write, result_write, holder=None):
    """PID 2, for Python solutions: drop privileges, then run the code in this warm interpreter.
    With `holder` (a pidfd of the run's native init), first join its mount namespace (private /tmp)."""
    try:
        if result_write is not None:
            os.close(result_write)
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
    run_python(request["python"], request.get("compile_to"), request["argv"])


def open_stdio(request):
    stdin = os.open(request["stdin"] or "/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    outputs = [os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600) for name in ("stdout", "stderr")]
    return [stdin, *outputs]


def fork_into(request, descriptors, setup_write, go_read):
    """Fork the program straight into the namespaces of the run's native init (`request["join"]`)."""
    holder = os.pidfd_open(request["join"])
    try:
        check(LIBC.setns(holder, CLONE_NEWPID), "join the run's PID namespace")
        pid = os.fork()
        if pid == 0:
            try:
                if os.read(go_read, 1) == b"g":
                    program(request, descriptors, setup_write, None, holder)
            finally:
                os._exit(127)
    finally:
        check(LIBC.setns(OWN_PID_NAMESPACE, CLONE_NEWPID), "return to the zygote's PID namespace")
        os.close(holder)
    return pid


def handle_run(request):
    descriptors = open_stdio(request)
    if request.get("join") is not None:
        setup_read, setup_write = os.pipe()
        go_read, go_write = os.pipe()
        pid = fork_into(request, descriptors, setup_write, go_read)
        for fd in (*descriptors, setup_write, go_read):
            os.close(fd)
        finish_run(pid, go_write, setup_read, None)
        return
    setup_read, setup_write = os.pipe()
    go_read, go_write = os.pipe()
    result_read, result_write = os.pipe()
    flags = CLONE_NEWPID | SIGCHLD if SANDBOXED else SIGCHLD
    pid = LIBC.syscall(CONFIG["clone_nr"], flags, 0, 0, 0, 0)
    if pid == 0:
        try:
            os.close(result_read)
            init(request, descriptors, setup_write, go_read, result_write)
        finally:
            os._exit(121)
    for fd in (*descriptors, setup_write, go_read, result_write):
        os.close(fd)
    if pid < 0:
        for fd in (go_write, setup_read, result_read):
            os.close(fd)
        reply({"error": f"clone failed: {os.strerror(ctypes.get_errno())}"})
        return
    finish_run(pid, go_write, setup_read, result_read)


def finish_run(pid, go_write, setup_read, result_read):
    """Report the pid, release the child on "go", then report how the program ended."""
    reply({"pid": pid})
    command = json.loads(CONTROL_IN.readline() or b'{"op": "abort"}')
    if command.get("op") == "go":
        os.write(go_write, b"g")
    os.close(go_write)
    setup = b""
    while chunk := os.read(setup_read, 4096):
        setup += chunk
    os.close(setup_read)
    result = b""
    if result_read is not None:
        while chunk := os.read(result_read, 4096):
            result += chunk
        os.close(result_read)
    _, status, usage = os.wait4(pid, 0)
    # Without a report the init itself died (killed at a time limit): report its status instead.
    outcome = json.loads(result) if result else {"status": status, "utime": usage.ru_utime,
                                                 "stime": usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
    reply({**outcome, "setup": setup.decode(errors="replace")})


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

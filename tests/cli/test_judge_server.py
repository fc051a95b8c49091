"""`pysynth judge-server` as a user starts it: it says where it listens, serves, and stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_serves_run_code_on_loopback_until_sigterm() -> None:
    server = subprocess.Popen([sys.executable, "-m", "pysynth.cli", "judge-server", "--port", "0", "--workers", "1"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        found = re.search(r"POST (http://127\.0\.0\.1:\d+)/run_code", line)
        assert found, f"no ready line with a loopback URL: {line!r}"
        answer = requests.post(f"{found.group(1)}/run_code", timeout=30,
                               data=json.dumps({"code": "print(6 * 7)", "language": "python"})).json()
        assert (answer["status"], answer["run_result"]["stdout"]) == ("Success", "42\n"), answer
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

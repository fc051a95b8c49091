"""The shared body of the stand-ins: record how we were started, then serve the test server."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from tests.support.openai_server import serve


def run(kind: str) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model-path")
    parser.add_argument("--tp", type=int)
    parser.add_argument("--dp", type=int)
    parser.add_argument("--worker-urls", nargs="*")
    args, extra = parser.parse_known_args()
    record = os.environ.get("FAKE_SGLANG_RECORD")
    if record:
        Path(record, f"{kind}-{args.port}.json").write_text(json.dumps({
            "argv": sys.argv[1:], "extra": extra, "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "worker_urls": args.worker_urls, "pid": os.getpid()}))
    if os.environ.get("FAKE_SGLANG_FAIL") and kind == "server":
        print("RuntimeError: CUDA out of memory (stand-in)", flush=True)
        sys.exit(3)
    print(f"{kind} starting on {args.host}:{args.port}", flush=True)
    # Like the real SGLang, a stand-in asked to (FAKE_SGLANG_LIKE_SGLANG) does not watch its parent, so a
    # test can see whether pysynth's own parent-death signal stops it; otherwise it exits with its parent.
    parent = None if os.environ.get("FAKE_SGLANG_LIKE_SGLANG") else os.getppid()
    asyncio.run(serve(args.port, [], parent))

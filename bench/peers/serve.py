"""What every peer shares: the line protocol of --serve mode (bench/peer-client.ts) and torch's
thread settings.

Protocol: one JSON request per stdin line, one JSON answer per stdout line, {"ok": true, ...} or
{"ok": false, "error": "..."}; {"cmd": "quit"} ends it. A failing request is reported and serving
goes on, so one bad benchmark point does not lose the peer.
"""
import json
import sys


def torch_threads(n):
    """Intra-op threads as asked, one inter-op thread (as the TypeScript side runs)."""
    import torch

    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


def serve(commands):
    """Answers requests with commands[msg["cmd"]](msg) (a dict merged after "ok": true) until quit."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
            if msg["cmd"] == "quit":
                break
            fn = commands.get(msg["cmd"])
            out = {"ok": True, **fn(msg)} if fn else {"ok": False, "error": f"unknown cmd {msg['cmd']}"}
        except Exception as e:  # report, keep serving
            out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()

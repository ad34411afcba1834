"""`python -m portalcheck.demo [--port 8650] [--today YYYY-MM-DD]`: browse the demo portal."""

from __future__ import annotations

import argparse
import datetime as dt
import threading

from .server import serve_demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m portalcheck.demo", description="青山县 demo portal")
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="pretend date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    server = serve_demo(args.port, args.today)
    print(f"青山县人民政府门户网站 (demo) at {server.base_url}/  — Ctrl+C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()

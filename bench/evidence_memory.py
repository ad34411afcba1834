"""Memory of the evidence pictures' chromium (issue #15): what `crawler.evidence_shots.take` costs the machine.

    .venv/bin/python -m bench.evidence_memory                   # 200 shots over 40 loopback hosts
    .venv/bin/python -m bench.evidence_memory --shots 60 --hosts 20

Serves the province bench's synthetic portal from 127.0.0.2 … (one site each, as in bench.province), takes
`--shots` footer pictures of its articles spread over the hosts (the night's cap is 200), and samples this
process and its subprocesses (Playwright's driver, chromium's processes) every 0.2 s: the peak of RSS and of
PSS (each shared page divided among the processes mapping it) summed per kind of process. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import psutil

from bench import generate_portal as gen
from bench.province import _kind, _rss_pss, serve_hosts
from bench.server import free_port


def sample(stop: threading.Event, peaks: dict[str, Any]) -> None:
    """Peak RSS and PSS of this process with its subprocesses, by kind, until `stop`."""
    me = psutil.Process()
    while not stop.is_set():
        sums: dict[str, list[float]] = {}
        count = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                key = "bench" if p.pid == me.pid else _kind(p)
                rss, pss = _rss_pss(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            count += key == "chromium"
            sums.setdefault(key, [0.0, 0.0])
            sums[key][0] += rss
            sums[key][1] += pss
        for i, measure in enumerate(("rss", "pss")):
            total = sum(v[i] for v in sums.values())
            if total > peaks[measure]:
                peaks[measure] = total
                peaks[f"{measure}_by_process"] = {k: round(v[i] / 1e6, 1) for k, v in sums.items()}
        peaks["chromium_processes_max"] = max(peaks["chromium_processes_max"], count)
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    from crawler.evidence_shots import Shot, take

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--shots", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--chromium", default=shutil.which("chromium"), help="the browser (evidence.chromium_path)")
    parser.add_argument("--chromium-arg", action="append", default=[],
                        help="one more chromium flag for this run (to compare; repeatable)")
    args = parser.parse_args(argv)
    if args.chromium_arg:
        from crawler import settings

        settings.CHROMIUM_ARGS = [*settings.CHROMIUM_ARGS, *args.chromium_arg]

    folder = Path(tempfile.mkdtemp(prefix="evidence-memory-"))
    portal = gen.build_portal(450, seed=15, today=date.today())
    gen.write_site(portal, folder / "www", seed=15)
    articles = sorted(str(p.relative_to(folder / "www")) for p in (folder / "www").rglob("t*_*.html"))
    hosts = [f"127.0.{(i + 2) // 256}.{(i + 2) % 256}" for i in range(args.hosts)]
    port = free_port()
    stop_server = serve_hosts((folder / "www").resolve(), hosts, port, 0.0)
    shots = [Shot(i, f"http://{hosts[i % len(hosts)]}:{port}/{articles[i % len(articles)]}", "footer")
             for i in range(args.shots)]
    peaks: dict[str, Any] = {"rss": 0.0, "pss": 0.0, "chromium_processes_max": 0}
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(stop, peaks), daemon=True)
    load = os.getloadavg()[0]
    try:
        sampler.start()
        started = time.monotonic()
        pictures = take(shots, args.chromium, args.timeout)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        sampler.join()
        stop_server.set()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"chromium": args.chromium, "chromium_args": args.chromium_arg, "shots": len(shots), "hosts": len(hosts), "taken": sum(1 for p in pictures if p.png),
                      "png_mb": round(sum(len(p.png or b"") for p in pictures) / 1e6, 1),
                      "errors": sorted({p.error for p in pictures if p.error}), "seconds": round(seconds, 1),
                      "peak_rss_mb": round(peaks["rss"] / 1e6, 1), "peak_rss_mb_by_process": peaks.get("rss_by_process"),
                      "peak_pss_mb": round(peaks["pss"] / 1e6, 1), "peak_pss_mb_by_process": peaks.get("pss_by_process"),
                      "chromium_processes_max": peaks["chromium_processes_max"],
                      "load_avg_1m": [round(load, 2), round(os.getloadavg()[0], 2)]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

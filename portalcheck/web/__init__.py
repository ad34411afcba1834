"""The inspectors' workspace: `portalcheck serve` — server-rendered Chinese pages over the store.

FastAPI + Jinja2 (autoescaped) + htmx (shipped in static/, no CDN). It reads what `portalcheck check`
stored through the exports' own readers, so every figure on a page is the figure of the export;
downloads are the CLI's exports. Accounts and roles in users.py, security defaults in security.py.
"""

from __future__ import annotations

import contextlib

from portalcheck.web.app import create_app

__all__ = ["create_app", "serve"]


def serve(config, *, host: str = "127.0.0.1", port: int = 8660, secure_cookies: bool = False,  # type: ignore[no-untyped-def]
          work_rechecks: bool = False, on_ready=None) -> None:
    """Run the workspace under uvicorn until interrupted."""
    import uvicorn

    app = create_app(config, secure_cookies=secure_cookies, work_rechecks=work_rechecks)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False))
    if on_ready is not None:
        on_ready(f"http://{host}:{port}/")
    # Ctrl-C (or SIGTERM) is how the workspace stops: uvicorn shuts down, then raises the signal again for the
    # handler that was in place before it, which for Python's default one is a KeyboardInterrupt here.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()

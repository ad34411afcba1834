"""The bundled demo portal: a fictional county government site (青山县) served on 127.0.0.1.

It carries deliberate, documented defects (`DemoPortal.truth()`) so the crawler and the checks can
be tested end to end, and `portalcheck demo` can show users what a report looks like.
"""

from .portal import DemoPortal, DemoResponse
from .server import DemoServer, serve_demo

__all__ = ["DemoPortal", "DemoResponse", "DemoServer", "serve_demo"]

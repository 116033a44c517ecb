"""A free port on 127.0.0.1 for a server that a test, a bench script or the end-to-end check starts.

Standard library only: the scripts that import it (bench/, the TypeScript client's e2e) run outside pytest
and put the repository on sys.path themselves, so importing it must not pull in the test dependencies.
"""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now (the server binds it a moment later); never a fixed one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]

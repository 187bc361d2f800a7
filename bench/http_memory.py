"""Memory of an idle host with the HTTP listener (http_listen) off and on.

Starts `crm-host serve` with the accounts plugin on a fresh SQLite file,
waits until it serves and has idled a moment, and reads its resident memory
(VmRSS) from /proc; alternating off and on, ``--runs`` times each:

    uv run python bench/http_memory.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from processes import memory_kib

from crm_host.testing import HostProcess

IDLE_SECONDS = 2.0


def idle_rss(http: bool) -> int:
    """KiB of resident memory of one idle host."""
    with tempfile.TemporaryDirectory() as directory:
        args = ["serve", "--plugins", "accounts", "--listen", "127.0.0.1:0"]
        if http:
            args += ["--http-listen", "127.0.0.1:0"]
        host = HostProcess(*args, cwd=Path(directory))
        try:
            host.wait_listening()
            time.sleep(IDLE_SECONDS)
            return sum(memory_kib(host.process.pid, "VmRSS").values())
        finally:
            host.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    found: dict[bool, list[int]] = {False: [], True: []}
    for _ in range(runs):
        for http in (False, True):
            found[http].append(idle_rss(http))
    off, on = statistics.median(found[False]), statistics.median(found[True])
    print("| http_listen | idle VmRSS (MiB, median) | runs |")
    print("|---|---|---|")
    print(f"| off | {off / 1024:.1f} | {', '.join(f'{k / 1024:.1f}' for k in found[False])} |")
    print(f"| on | {on / 1024:.1f} | {', '.join(f'{k / 1024:.1f}' for k in found[True])} |")
    print(f"\non - off: {(on - off) / 1024:+.1f} MiB")


if __name__ == "__main__":
    main()

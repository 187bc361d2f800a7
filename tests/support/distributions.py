"""Install throw-away plugin distributions the way an installer lays them out.

importlib.metadata finds a distribution through its ``*.dist-info`` folder on
``sys.path``; putting such a folder (and the plugin module) in a directory on
PYTHONPATH makes a subprocess see a really installed plugin.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def install_plugin(
    site: Path, distribution: str, version: str, entry_point: str, code: str
) -> None:
    """Install ``distribution`` with one ``crm_host`` entry point backed by module ``code``."""
    module = distribution.replace("-", "_")
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    dist_info = site / f"{module}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[crm_host]\n{entry_point} = {module}\n", encoding="utf-8"
    )

"""After PyInstaller: regenerate VLC's plugin cache inside the bundle, or
every vlc.Instance logs hundreds of 'stale plugins cache' lines (MACHINE.md §9)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CACHE_GEN = ("/usr/lib/x86_64-linux-gnu/vlc/vlc-cache-gen", "/usr/lib/aarch64-linux-gnu/vlc/vlc-cache-gen",
             r"C:\Program Files\VideoLAN\VLC\vlc-cache-gen.exe")


def main(dist: str = "build/dist/citybrain-console") -> int:
    plugins = next((p for p in Path(dist).rglob("vlc/plugins") if p.is_dir()), None)
    if plugins is None:
        print(f"postbuild: no vlc/plugins under {dist}", file=sys.stderr)
        return 1
    tool = next((t for t in CACHE_GEN if Path(t).exists()), shutil.which("vlc-cache-gen"))
    if tool is None:
        print("postbuild: vlc-cache-gen not found (Debian: apt-get install vlc-bin); "
              "the bundle works but logs stale-cache warnings", file=sys.stderr)
        return 0
    subprocess.run([tool, str(plugins.resolve())], check=True)
    print(f"postbuild: plugin cache written in {plugins}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

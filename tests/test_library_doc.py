"""docs/library.md tells the truth: its example runs, on SQLite, as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "library.md"


def test_the_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [example] = re.findall(r"```python\n(.+?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(PAGE), "exec"), {})  # its own asserts check what it claims
    assert (tmp_path / "library-example.db").exists()


def test_the_public_names_are_importable_from_the_package() -> None:
    import inctrack

    assert sorted(inctrack.__all__) == sorted([*inctrack._EXPORTS, "__version__"])
    for name in inctrack.__all__:
        assert getattr(inctrack, name) is not None, name
    with pytest.raises(AttributeError):
        _ = inctrack.NoSuchThing  # type: ignore[attr-defined]

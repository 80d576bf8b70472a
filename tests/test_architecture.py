"""The layers of docs/architecture.md hold, and no module reaches itself through its imports."""

import re
import subprocess
import sys
from pathlib import Path

import grimp
from rq.utils import import_attribute

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ENQUEUED_BY_PATH = re.compile(r"queues\.enqueue\(\s*\"([\w.]+)\"")


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Each import a → b that b leads back to a through, as the chain a → b → … → a."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                found.append((importer, *back))
    return found


def test_import_linter_contracts_hold():
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_no_import_cycles_between_any_modules():
    graph = grimp.build_graph("pcrm", cache_dir=None, exclude_type_checking_imports=True)
    assert cycles(graph) == []


def test_an_import_inside_a_function_is_seen_so_a_hidden_cycle_is_caught(tmp_path, monkeypatch):
    package = tmp_path / "hidden"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text("def enqueue():\n    from hidden.jobs import run\n")
    (package / "jobs.py").write_text("from hidden.service import enqueue\n\ndef run(): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("hidden", cache_dir=None)
    assert ("hidden.service", "hidden.jobs", "hidden.service") in cycles(graph)


def test_jobs_enqueued_by_their_dotted_path_exist():
    paths = {
        path
        for source in (ROOT / "pcrm").rglob("*.py")
        for path in ENQUEUED_BY_PATH.findall(source.read_text(encoding="utf-8"))
    }
    assert {
        "pcrm.subscribers.jobs.send_notice",
        "pcrm.subscribers.imports.jobs.run_import",
    } <= paths
    assert all(callable(import_attribute(path)) for path in paths)

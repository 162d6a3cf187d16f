"""The tutorials (`nbs/tutorials/`) run headless through `nbclient`, widgets included, as `jupyter nbconvert --execute`
runs them: each in a fresh folder, its `#| tutorial` cells run, cells of the other test flags (`dataset`, `milvus`...)
left out as the docs build leaves them out. A widget cell that leaves the runner waiting (a cell whose reply it misses)
fails on the per-cell timeout instead of stalling. A full run builds each tutorial's corpus (minutes): the test runs only
with the project's `tutorial` flag, `pytest tests/test_tutorials.py -n 0 --flags tutorial`."""
import os, re, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT/'nbs'/'tutorials').glob('[!_]*.ipynb'))
CELL_TIMEOUT, TOTAL = 120, 1200   # s: one cell, one tutorial
_re_flag = re.compile(r'^\s*#\|\s*([\w-]+)\s*$')

@pytest.fixture
def tutorial(request):
    "Skip unless the project's `tutorial` test flag is given (`pytest --flags tutorial`), as for notebook cells."
    if 'tutorial' not in request.config.getoption('--flags').split(): pytest.skip('tutorial: run with `--flags tutorial`')

def flags_of(src:str)->set:
    "The test flags (`#| slow`...) a cell's first comment lines carry."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        if m := _re_flag.match(line): out.add(m.group(1))
    return out

def runnable(nb, flags:set):
    "`nb` without the cells flagged with one of `flags`."
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or not flags_of(c.source) & flags]
    return nb

def test_flags_of():
    assert flags_of('#| tutorial\nx = 1') == {'tutorial'} and flags_of('#| dataset\n#| hide\nx') == {'dataset', 'hide'}
    assert flags_of('x = 1\n#| slow') == set() and flags_of('#| echo: false\nx') == set()

@pytest.mark.parametrize('path', TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_headless_with_widgets(path, tmp_path, tutorial):
    import nbformat
    from nbclient import NotebookClient
    from nbdev.config import get_config
    nb = runnable(nbformat.read(path, as_version=4), set(get_config().tst_flags.split()) - {'tutorial'})
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}})
    env = {**os.environ, 'NAFP_NO_PROGRESS': '1'}
    t0, times = time.perf_counter(), {}
    with client.setup_kernel(env=env):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            t = time.perf_counter(); client.execute_cell(cell, i); times[i] = time.perf_counter() - t
            assert time.perf_counter() - t0 < TOTAL, f'{path.name}: over {TOTAL} s after cell {i}'
    widgets = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and
               any('application/vnd.jupyter.widget-view+json' in o.get('data', {}) for o in c.outputs)]
    assert widgets or 'widgets' not in path.read_text(), f'{path.name}: no widget was displayed'
    print(f'{path.name}: {time.perf_counter() - t0:.0f} s; slowest cells', sorted(times.items(), key=lambda kv: -kv[1])[:3])

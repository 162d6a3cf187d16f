"""Execute notebooks headless with nbclient, widgets included, as a user's Jupyter or Colab runs them top to bottom.

Cells flagged with the project's test flags (settings.ini `tst_flags`, e.g. `#| slow`), other than `tutorial`, are left
out as the docs build leaves them out. Each notebook runs in a fresh temporary folder. Needs only nbformat, nbclient and
ipykernel (no nbdev), so it runs in an environment built like a user's.

    python .ci/run_notebook.py nbs/tutorials/colab.ipynb [more.ipynb ...]
"""
import configparser, os, re, sys, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parents[1]
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini', encoding='utf-8')
skip = set(cfg['DEFAULT'].get('tst_flags', '').split()) - {'tutorial'}
flag = re.compile(r'^\s*#\|\s*([\w-]+)\s*$')

def flags(src):
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        if m := flag.match(line): out.add(m.group(1))
    return out

failed = 0
for p in map(Path, sys.argv[1:]):
    nb = nbformat.read(p, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or not flags(c.source) & skip]
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': tmp}})
        try: client.execute(env={**os.environ, 'NAFP_NO_PROGRESS': '1'})
        except Exception as e:
            failed += 1; print(f'{p}: FAILED after {time.perf_counter()-t0:.0f} s\n{str(e)[-3000:]}'); continue
    n = sum(c.cell_type == 'code' for c in nb.cells)
    w = sum(any('application/vnd.jupyter.widget-view+json' in o.get('data', {}) for o in c.get('outputs', [])) for c in nb.cells)
    print(f'{p}: {n} code cells ran in {time.perf_counter()-t0:.0f} s, {w} displayed a widget')
sys.exit(1 if failed else 0)

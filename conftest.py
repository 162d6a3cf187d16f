"""Run every notebook in `nbs/` as a pytest item, exactly as `nbdev_test` does.

Cells carrying a flag listed in `tst_flags` (settings.ini) are skipped unless the flag is
passed with `--flags "slow milvus"`. A failing cell fails its notebook with the cell's
traceback.
"""
import os, sys, json, shutil, tempfile
from pathlib import Path
import pytest

ROOT = Path(__file__).parent

def pytest_addoption(parser):
    parser.addoption('--flags', default='', help='space-separated nbdev test flags to run too (e.g. "slow milvus")')

def pytest_configure(config):
    os.environ.setdefault('NAFP_NO_PROGRESS', '1')
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    # pytest-xdist runs one notebook per core: one OpenMP thread each avoids Faiss/BLAS
    # threads spinning against each other (oversubscription slows Faiss by orders of magnitude)
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
    if not hasattr(config, 'workerinput'):    # the controlling process: a folder where test modules leave their figures
        os.environ['NAFP_FIGURES'] = tempfile.mkdtemp(prefix='nafp-figures-')

def pytest_terminal_summary(terminalreporter):
    "Print the figures test modules left (tests/test_faults.py: kills survived, wrong answers, bytes lost...), summed over workers."
    d = os.environ.get('NAFP_FIGURES')
    if hasattr(terminalreporter.config, 'workerinput') or not d or not Path(d).is_dir(): return   # the controller's summary only
    got = {}
    for f in sorted(Path(d).glob('*.json')):
        for k, v in json.loads(f.read_text()).items():
            got[k] = got[k] + v if isinstance(v, int) and isinstance(got.get(k), int) else v
    shutil.rmtree(d, ignore_errors=True)
    if got:
        terminalreporter.write_sep('-', 'fault-injection figures')
        for k, v in got.items(): terminalreporter.write_line(f'{k}: {v}')

def _eligible(p:Path)->bool:
    rel = p.relative_to(ROOT).parts
    return (p.suffix == '.ipynb' and not any(o.startswith(('_', '.')) for o in rel)
            and not (p.parent/'.notest').exists())

def pytest_collect_file(parent, file_path):
    if _eligible(file_path): return NotebookFile.from_parent(parent, path=file_path)

class NotebookFile(pytest.File):
    def collect(self): yield NotebookItem.from_parent(self, name=self.path.name)

class NotebookFailure(Exception): pass

class NotebookItem(pytest.Item):
    def runtest(self):
        from nbdev.config import get_config
        from nbdev.process import NBProcessor, nb_lang
        from nbdev.frontmatter import FrontmatterProc
        from execnb.shell import CaptureShell
        from fastcore.xtras import working_directory
        force = set(self.config.getoption('--flags').split())
        flags = set(get_config().tst_flags.split()) - force
        fn = self.path
        nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
        fm = getattr(nb, 'frontmatter_', {})
        if str(fm.get('skip_exec', False)).lower() in ('true', '1') or nb_lang(nb) != 'python': return
        def _no_eval(cell):
            if cell.cell_type != 'code': return True
            if 'nbdev_export'+'(' in cell.source: return True
            direc = getattr(cell, 'directives_', {}) or {}
            if direc.get('eval:', [''])[0].lower() == 'false': return True
            return flags & direc.keys()
        os.environ['IN_TEST'] = '1'
        k = CaptureShell(fn)
        with working_directory(fn.parent):
            try: k.run_all(nb, exc_stop=True, preproc=_no_eval)
            except Exception: raise NotebookFailure(k.prettytb(fname=fn)) from None

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookFailure): return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self): return self.path, 0, f'notebook {self.path.name}'

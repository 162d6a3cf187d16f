"The docs website build (`docs/build.py`): pages, API reference, plots, README, and failures on broken pages."
import importlib.util, json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def _load(name):
    spec = importlib.util.spec_from_file_location(f'nafp_docs_{name}', ROOT/'docs'/f'{name}.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

build, check_site = _load('docsite'), _load('check_site')

def write_nb(path:Path, *cells):
    "A notebook of `('md'|'code', source)` cells."
    def cell(t, s):
        if t == 'md': return dict(cell_type='markdown', metadata={}, source=s)
        return dict(cell_type='code', metadata={}, source=s, outputs=[], execution_count=None)
    nb = dict(cells=[cell(*c) for c in cells], nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))

def demo_nbs(root:Path)->Path:
    nbs = root/'nbs'
    write_nb(nbs/'index.ipynb', ('md', '# demo\n> The home page.'),
             ('md', 'Read [the plots](01_plots.ipynb#a-figure) and [the index](02_index.ipynb).'))
    write_nb(nbs/'01_plots.ipynb',
             ('md', '# Plots\n> A chapter with a figure.'),
             ('code', '#| hide\nimport numpy as np\nimport plotly.graph_objects as go\nSECRET = "hidden-cell-text"'),
             ('md', '## A figure\nBack [home](index.ipynb); see `double`.\n\nScore: the mean of <q_j, v_(c+j)> over j; '
                    'ids (B, L*k), a *start* id, x < y, `a*b <c>` and [a_link](index.ipynb).'),
             ('code', 'go.Figure(go.Scatter(x=np.arange(5), y=np.arange(5)**2))'),
             ('code', '#| export\ndef double(x:int # a number\n          )->int:\n    "Twice `x`: (B, L*k) -> (B, 2*L*k)."\n    return 2*x'),
             ('code', 'print("result", double(21))'),
             ('code', '#| slow\nprint("slow-cell-" + "output")'),
             ('code', 'import ipywidgets\nipywidgets.IntSlider()'))
    write_nb(nbs/'02_index.ipynb', ('md', '# Index\n> A chapter whose nbdev page name is the home page\'s.'),
             ('md', 'Back to [the plots](01_plots.ipynb).'))
    write_nb(nbs/'tutorials'/'quick.ipynb',
             ('md', '# Quick tour\n> A tutorial.'),
             ('code', 'import os\nprint("runs in", os.path.basename(os.getcwd()))'),
             ('code', '#| tutorial\nprint("tutorial-" + "output")'),
             ('code', '#| dataset\nprint("dataset-" + "output")'))
    return nbs

def test_demo_site(tmp_path):
    nbs, out = demo_nbs(tmp_path), tmp_path/'site'
    entries = build.build_site(out, nbs=nbs)
    assert {e['page'] for e in entries} == {'index.md', 'plots.md', '02_index.md', 'tutorials/quick.md'}
    for p in ('index.html', 'plots.html', 'tutorials/quick.html', 'assets/plotly.min.js', '.nojekyll'): assert (out/p).exists(), p
    plots = (out/'plots.html').read_text()
    assert 'plotly-graph-div' in plots and 'assets/plotly.min.js' in plots         # figure rendered from its JSON
    assert 'id="double"' in plots and 'Twice' in plots                              # show_doc of the exported function
    assert 'result 42' in plots                                                     # outputs of executed cells
    assert 'hidden-cell-text' not in plots and 'return 2*x' not in plots            # #| hide and #| export sources
    assert 'slow-cell-' in plots and 'slow-cell-output' not in plots                # flagged cell shown, not run
    assert 'Interactive widget' in plots                                            # widgets need a kernel
    home = (out/'index.html').read_text()
    assert 'href="index.html"' in plots and 'href="plots.html#a-figure"' in home and 'href="02_index.html"' in home
    assert '<h1 id="demo">demo</h1>' in home or 'The home page' in home
    quick = (out/'tutorials'/'quick.html').read_text()
    assert 'tutorial-output' in quick and 'runs in nafp-tutorial-' in quick                # tutorial cells run, in a temp folder
    assert 'dataset-output' not in quick and 'Not run when this page was built' in quick  # other flags: shown, not run
    assert 'Not run when this page was built' in plots                                    # the slow cell says so
    assert '&lt;q_j, v_(c+j)&gt;' in plots and 'L*k' in plots                              # escaped, not eaten
    if not (check_site.find_browser() and check_site.find_driver()): pytest.skip('no Chromium/chromedriver: the browser check is skipped')
    r = check_site.check_site(out, nbs=nbs)
    assert r['errors'] == [] and len(r['pages']) == 4 and len(r['plotly_pages']) == 1
    assert r['lost'] == {'index.html': 0, 'plots.html': 0, '02_index.html': 0, 'tutorials/quick.html': 0}

def test_lost_text_is_reported(tmp_path, monkeypatch):
    "Without the escaping, the browser check reports the formula and the `*` the page lost."
    if not (check_site.find_browser() and check_site.find_driver()): pytest.skip('no Chromium/chromedriver')
    nbs, out = demo_nbs(tmp_path), tmp_path/'site'
    monkeypatch.setattr(build, 'escape_md', lambda s: s)
    build.build_site(out, nbs=nbs, only=['01_plots.ipynb'], execute=False)
    r = check_site.check_site(out, nbs=nbs)
    lost = [e for e in r['errors'] if 'lost text' in e]
    assert any('<q_j, v_(c+j)>' in e for e in lost) and any("'L*k)," in e for e in lost), r['errors']

@pytest.mark.parametrize('md,want', [
    ('inner product <q_j, v_(c+j)>, using', 'inner product &lt;q_j, v\\_(c+j)>, using'),
    ('*ids (B, L*k), ascending*', '*ids (B, L\\*k), ascending*'),
    ('a *start* id, **bold**, k_probe, `x*y <z>`', 'a *start* id, **bold**, k_probe, `x*y <z>`'),
    ('* item *one*\n---\n### name { #name }', '* item *one*\n---\n### name { #name }'),
    ('x < y, <b>b</b><br> <!-- c_d --> [a_b](x_y.md#a_b)', 'x &lt; y, <b>b</b><br> <!-- c_d --> [a_b](x_y.md#a_b)'),
    ('f(*args) 2*3', 'f(\\*args) 2\\*3'),
    ('```\na*b <x>\n```', '```\na*b <x>\n```'),
])
def test_escape_md(md, want): assert build.escape_md(md) == want

@pytest.mark.parametrize('cells,msg', [
    ([('md', 'see [x](02_nope.ipynb)')], 'nope.md'),
    ([('md', 'see [x](index.ipynb#no-such-heading)')], 'no-such-heading'),
    ([('code', '1/0')], 'ZeroDivisionError'),
    ([('code', 'x = 1')], 'no title'),
])
def test_broken_page_fails(tmp_path, cells, msg):
    nbs = tmp_path/'nbs'
    write_nb(nbs/'index.ipynb', ('md', '# demo\n> Home.'))
    title = [] if msg == 'no title' else [('md', '# Broken\n> A page.')]
    write_nb(nbs/'01_broken.ipynb', *title, *cells)
    with pytest.raises(build.DocsError, match=msg): build.build_site(tmp_path/'site', nbs=nbs)

def test_build_command_on_project_notebooks(tmp_path):
    "The command CI runs, on the foundation chapters (all notebooks with NAFP_DOCS_FULL=1)."
    full = os.environ.get('NAFP_DOCS_FULL') == '1'
    names = [] if full else [n for n in ('index.ipynb', '00_core.ipynb', '01_config.ipynb', '90_cli.ipynb') if (ROOT/'nbs'/n).exists()]
    r = subprocess.run([sys.executable, str(ROOT/'docs'/'build.py'), '--out', str(tmp_path/'site'), *(['--nbs', *names] if names else [])],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path/'site'/'index.html').exists()
    if (ROOT/'nbs'/'01_config.ipynb').exists():
        assert 'id="load_config"' in (tmp_path/'site'/'config.html').read_text()

def test_readme_is_generated_from_index(tmp_path):
    dest = tmp_path/'README.md'
    build.build_readme(dest)
    assert dest.read_text() == (ROOT/'README.md').read_text(), 'README.md is stale: run `python docs/build.py --readme`'

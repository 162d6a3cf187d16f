"""Build the documentation website (and README.md) from the notebooks, without Quarto (`docs/build.py` runs it).

    python docs/build.py                 # execute the notebooks, write the site to _docs/
    python docs/build.py --readme        # only write README.md from nbs/index.ipynb
    python docs/build.py --nbs 00_core.ipynb index.ipynb   # a subset (faster)

Notebooks go through nbdev's own processors (the ones `nbdev_docs` uses: frontmatter, `show_doc`
cells added after `#| export` cells, `#| hide` cells and directive lines removed, links to
symbols), except that every code cell is executed with execnb, so the pages show the outputs
(plots, `show_doc` API reference) although notebooks are committed without outputs. Cells
flagged with a test flag from settings.ini (`tst_flags`, e.g. `slow`) and `#| eval: false` cells
are shown but not executed (the page says so), except the `#| tutorial` cells of the tutorials
(`nbs/tutorials/`), which run in a temporary folder on the offline corpus they build. Markdown is
escaped (`escape_md`) so that the page shows the text Jupyter shows. Each processed notebook becomes a Markdown page and MkDocs (Material
theme) renders the site in strict mode. The build fails (exit 1) on a cell error, a notebook
without a title, a broken internal link or anchor, or a page missing from the site.
"""
from __future__ import annotations
import argparse, base64, tempfile, html, json, os, re, shutil, subprocess, sys, time, warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
MIME_PLOTLY, MIME_WIDGET = 'application/vnd.plotly.v1+json', 'application/vnd.jupyter.widget-view+json'
README_NOTE = '<!-- generated from nbs/index.ipynb by `python docs/build.py --readme`: edit the notebook, not this file -->'

class DocsError(Exception):
    "A page that cannot be built; the message names the notebook and what to fix."

def _cfg():
    from nbdev.config import get_config
    return get_config(path=ROOT)

def page_name(nb:Path, nbs:Path)->Path:
    "Site path of notebook `nb` (nbdev/Quarto scheme: `nbs/00_core.ipynb` -> `core.md`, served as `core.html`)."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(nb.relative_to(nbs)).with_suffix('.md')

def site_paths(nbs:Path, files=None)->dict:
    "Site path (str) of each notebook (default: all in `nbs`). Where nbdev's names collide (a chapter `NN_index` and the home"
    "page `index`), the notebook whose file name is the page name keeps it and the others keep their number prefix."
    files = list_notebooks(nbs) if files is None else files
    by_name = {}
    for f in files: by_name.setdefault(page_name(f, nbs).as_posix(), []).append(Path(f))
    res = {}
    for p, fs in by_name.items():
        for f in fs:
            rel = f.relative_to(nbs)
            plain = len(fs) == 1 or rel.with_suffix('.md').as_posix().lower() == p
            res[f] = p if plain else rel.with_name(rel.name.lower()).with_suffix('.md').as_posix()
    return res

def list_notebooks(nbs:Path, only=None)->list[Path]:
    "The notebooks nbdev documents (skipping `_*` and `.*` files and folders), or those named in `only`."
    if only:
        res = [(nbs/o if not Path(o).is_absolute() else Path(o)) for o in only]
        for p in res:
            if not p.exists(): raise DocsError(f'{p}: no such notebook (names are relative to {nbs})')
        return sorted(res)
    from nbdev.doclinks import nbglob
    return sorted(Path(o) for o in nbglob(nbs))

# ---------------------------------------------------------------- processing + execution

def _exec_proc(flags:set, execute:bool, fname:Path):
    "An nbdev processor (in place of `exec_show_docs`) that runs every code cell not flagged with `flags`; a flagged"
    "cell is marked (`cell.not_run_`) so that its page says it was not run."
    from nbdev.process import Processor, nb_lang
    from execnb.shell import CaptureShell
    class exec_all(Processor):
        def begin(self):
            self.k = None
            fm = getattr(self.nb, 'frontmatter_', {}) or {}
            if not execute or nb_lang(self.nb) != 'python' or str(fm.get('skip_exec', '')).lower() in ('true', '1'): return
            self.k = CaptureShell(fname)
            self.k._fname = fname
            self.k.run_cell('from nbdev.showdoc import show_doc')   # as nbdev's exec_show_docs does
            # plotly figures as JSON: the page renders them with the plotly.js shipped in the site
            self.k.run_cell("try:\n import plotly.io as _pio; _pio.renderers.default = 'plotly_mimetype'\nexcept ImportError: pass")
        def cell(self, cell):
            if self.k is None or cell.cell_type != 'code' or not cell.source: return
            d = cell.directives_ or {}
            if 'nbdev_export' + '(' in cell.source: return
            if flags & d.keys(): cell.not_run_ = sorted(flags & d.keys()); return
            if d.get('eval:', [''])[0].lower() == 'false': return
            from IPython.utils.capture import capture_output
            # execnb formats a cell's result a second time after its own capture: an object with `_ipython_display_`
            # (widget, plotly figure) displays again then, printed to the terminal. Its outputs already hold it: drop it.
            with capture_output(stdout=False, stderr=False): self.k.cell(cell)
            if self.k.exc:
                raise DocsError(f'{fname}: a cell failed while building the docs\n' + self.k.prettytb(fname=fname))
    return exec_all

def _add_show_docs():
    "nbdev's `add_show_docs`, but the `show_doc` cells of a cell defining several names keep their order."
    from nbdev.processors import add_show_docs, _want_doc, _show_docs, _get_nm, _def_names, cell_lang
    from nbdev.process import NbCell
    from execnb.nbio import mk_cell
    from fastcore.foundation import L
    class add_show_docs_ordered(add_show_docs):
        def begin(self):
            nb = self.nb
            exports = L(cell for cell in nb.cells if _want_doc(cell))
            trees = L(nb.cells).map(NbCell.parsed_).concat()
            shown_docs = {_get_nm(t) for t in _show_docs(trees)}
            for cell in reversed(exports):
                if cell_lang(cell) != 'python': raise ValueError(f"{cell.metadata.language} can't export:\n{cell.source}")
                for nm in reversed(_def_names(cell, shown_docs)):
                    new_cell = mk_cell(f'show_doc({nm})')
                    new_cell.has_sd = True
                    nb.cells.insert(cell.idx_+1, new_cell)
            nb.has_docs_ = shown_docs or exports
    return add_show_docs_ordered

TUTORIAL_FLAG = 'tutorial'

def is_tutorial(nb_path:Path)->bool: return Path(nb_path).parent.name == 'tutorials'

def process_nb(nb_path:Path, execute=True, tutorials=True, workdir:Path=None):
    "Read `nb_path` and run nbdev's docs processors on it, executing the code cells. The cells of a test flag are"
    "not run, except the `tutorial` cells of a tutorial (`nbs/tutorials/`) with `tutorials`; these run in `workdir`"
    "(emptied first; a fresh temporary folder by default) instead of the notebook's folder."
    from execnb.nbio import read_nb
    from nbdev.processors import FilterDefaults, exec_show_docs, add_show_docs, strip_ansi
    from nbdev.process import NBProcessor
    from fastcore.xtras import working_directory
    flags = set(_cfg().tst_flags.split())
    run_tut = tutorials and execute and is_tutorial(nb_path)
    if run_tut: flags.discard(TUTORIAL_FLAG)
    swap = {exec_show_docs: _exec_proc(flags, execute, nb_path), add_show_docs: _add_show_docs()}
    procs = [swap.get(p, p) for p in FilterDefaults().procs()]
    nb = read_nb(nb_path)
    tmp = None
    if run_tut and workdir is None: workdir = tmp = Path(tempfile.mkdtemp(prefix='nafp-tutorial-'))
    cwd = Path(workdir) if run_tut else nb_path.parent
    if run_tut and not tmp and cwd.exists(): shutil.rmtree(cwd)   # a tutorial starts from an empty folder
    cwd.mkdir(parents=True, exist_ok=True)
    os.environ['IN_TEST'] = '1'
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')   # no TensorFlow/oneDNN start-up notices in the build's output
    try:
        with working_directory(cwd), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            NBProcessor(nb=nb, procs=procs).process()
    finally:
        os.environ.pop('IN_TEST', None)
        if tmp: shutil.rmtree(tmp, ignore_errors=True)
    for c in nb.cells: strip_ansi(c)
    return nb

# ---------------------------------------------------------------- notebook -> markdown

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_link = re.compile(r'(\]\()([^)\s]+)((?:\s+"[^"]*")?\))')
_re_fence = re.compile(r'^\s*(```|~~~)')

def _quarto_opts(src:str):
    "Split the Quarto-style `#| key: value` lines (left by nbdev's processors) from the code."
    lines, opts = src.splitlines(), {}
    while lines and _re_dir.match(lines[0]):
        k, v = _re_dir.match(lines.pop(0)).groups()
        opts[k] = v.strip('"\'')
    return opts, '\n'.join(lines).strip('\n')

def _txt(v): return ''.join(v) if isinstance(v, list) else str(v)

# Markdown written for Jupyter (CommonMark) loses text under Python-Markdown: `<q_j, v>` is taken for an HTML tag,
# `L*k ... *x*` pairs into emphasis. `escape_md` escapes, outside code and markup, every `<` that does not open a
# known HTML tag and every `*`/`_` that CommonMark would not read as emphasis, so the page shows what Jupyter shows.
_HTML_TAGS = set('a abbr audio b blockquote br caption center code col dd del details div dl dt em figcaption figure '
                 'font h1 h2 h3 h4 h5 h6 hr i iframe img input ins kbd li mark ol p pre q s samp script small source '
                 'span strong style sub summary sup table tbody td tfoot th thead tr u ul video'.split())
_re_protect = re.compile('|'.join([
    r'(`+)[\s\S]*?(?<!`)\1(?!`)',                        # code span
    r'\\[!-/:-@\[-`{-~]',                                # backslash escape
    r'<!--[\s\S]*?-->',                                   # HTML comment
    r'</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])(?:\s[^<>]*)?/?>', # HTML tag (kept if its name is known, see `_protect`)
    r'<(?:https?|ftp|mailto):[^\s<>]*>',                   # autolink
    r'&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]\w*);',          # entity
    r'\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"]*")?\)',    # link target
    r'(?m:^[ \t]*\[[^\]\n]+\]:[ \t]+\S.*$)',               # link reference definition
    r'\{[ \t]*(?:[#.:]|[\w-]+=)[^{}\n]*\}',                  # attribute list
    r'\$\$[\s\S]+?\$\$|\$[^\s$](?:[^$\n]*[^\s$\\])?\$',      # TeX math, left as written
    r'(?m:^[ \t]*(?:[*+-]|\d+[.)])(?=[ \t]))',               # list marker
    r'(?m:^[ \t]*(?:[*_-][ \t]*){3,}$)',                    # horizontal rule
    r'(?m:^[ \t]*>)',                                      # blockquote marker
]))
_PH = '\ue000'   # stands for a protected piece while emphasis delimiters are paired

def _protect(s:str):
    "Split `s` into a string with one `_PH` per protected piece, and the pieces."
    pieces, out, last = [], [], 0
    for m in _re_protect.finditer(s):
        if m.group(2) and m.group(2).lower() not in _HTML_TAGS: continue   # `<q_j, v>` is text, not a tag
        out.append(s[last:m.start()]); out.append(_PH); pieces.append(m.group(0)); last = m.end()
    out.append(s[last:])
    return ''.join(out), pieces

def _emphasis_runs(t:str)->set:
    "Start positions of the `*`/`_` runs of `t` that CommonMark pairs into emphasis (intra-word `*` never does)."
    def ws(c): return c is None or c.isspace()
    def punct(c): return c is not None and not ws(c) and not c.isalnum() and c != _PH
    runs, stack, paired = list(re.finditer(r'\*+|_+', t)), [], set()
    for m in runs:
        ch, n = m.group()[0], len(m.group())
        prev = t[m.start()-1] if m.start() else None
        nxt = t[m.end()] if m.end() < len(t) else None
        left = not ws(nxt) and (not punct(nxt) or ws(prev) or punct(prev))
        right = not ws(prev) and (not punct(prev) or ws(nxt) or punct(nxt))
        if ch == '*':
            inword = prev is not None and nxt is not None and prev.isalnum() and nxt.isalnum()
            can_open, can_close = left and not inword, right and not inword
        else: can_open, can_close = left and (not right or punct(prev)), right and (not left or punct(nxt))
        if can_close:
            k = next((i for i in range(len(stack)-1, -1, -1) if stack[i][0] == ch and stack[i][1] == n), None)
            if k is not None:
                paired |= {stack[k][2], m.start()}; del stack[k:]; continue
        if can_open: stack.append((ch, n, m.start()))
    return paired

def escape_md(s:str)->str:
    "Markdown `s` with the `<`, `*` and `_` of its text escaped where Python-Markdown would lose text (code, HTML tags, links, math untouched)."
    out, block, fenced = [], [], None
    def flush():
        if not block: return
        t, pieces = _protect('\n'.join(block))
        keep = _emphasis_runs(t)
        def esc(m):   # unpaired delimiters are escaped, except `_` inside a word (`k_probe`), literal for both renderers
            a, b = t[m.start()-1:m.start()], t[m.end():m.end()+1]
            if m.start() in keep or m.group()[0] == '_' and a.isalnum() and b.isalnum(): return m.group()
            return ''.join('\\' + c for c in m.group())
        t = re.sub(r'\*+|_+', esc, t)
        t = t.replace('<', '&lt;')
        it = iter(pieces)
        out.append(re.sub(_PH, lambda m: next(it), t)); block.clear()
    for l in s.split('\n'):
        m = _re_fence.match(l)
        if fenced is None and m: flush(); fenced = m.group(1); out.append(l); continue
        if fenced is not None:
            out.append(l)
            if l.strip().startswith(fenced) and l.strip().strip(fenced[0]) == '': fenced = None
            continue
        if not l.strip() or re.match(r' {4,}\S', l) and not block: flush(); out.append(l); continue   # blank, or indented code
        block.append(l)
    flush()
    return '\n'.join(out)

def _fence(s:str, lang='')->str:
    n = max([3] + [len(m) + 1 for m in re.findall(r'`{3,}', s)])
    return f"{'`'*n}{lang}\n{s.rstrip()}\n{'`'*n}"

NOT_RUN = dict(slow='slow, run by `pytest --flags slow`', gpu='needs a GPU', milvus='needs a Milvus server',
               dataset='needs the real `neural-audio-fp-dataset`', tutorial='a tutorial step, run in the tutorial pages')

class Page:
    "Converts one processed notebook to Markdown for MkDocs (`mode='site'`) or GitHub (`mode='readme'`)."
    def __init__(self, nb, rel:Path, cfg, nbs:Path, pages=(), paths=None, mode='site', src:Path=None):
        "`pages`: site paths built now; `paths`: {notebook: site path} of all the project's notebooks."
        self.nb, self.rel, self.nbs, self.pages, self.mode, self.src = nb, rel, nbs, set(pages), mode, src
        self.paths = paths if paths is not None else site_paths(nbs)
        self.known = set(self.paths.values())
        self.base = (cfg.doc_host + cfg.doc_baseurl).rstrip('/') + '/'
        self.files, self.uses_plotly, self.n_img = {}, False, 0

    # links: notebooks, nbdev's absolute doc links and `x.html` become relative `.md` links MkDocs checks
    def _target(self, url:str)->str|None:
        "Site path (`core.md#anchor`) that `url` points to, or None for external links."
        if url.startswith(self.base): url, here = url[len(self.base):] or 'index.html', Path('.')
        elif re.match(r'^[a-z][\w+.-]*:|^#|^/', url): return None
        else: here = self.rel.parent
        path, _, anchor = url.partition('#')
        p = Path(os.path.normpath(here/path))
        if p.suffix == '.ipynb': p = Path(self.paths.get(self.nbs/p) or page_name(self.nbs/p, self.nbs))
        elif p.suffix == '.html': p = p.with_suffix('.md')
        else: return None
        if self.mode == 'site' and p.as_posix() not in self.pages and p.as_posix() in self.known:
            return None if url.startswith('http') else self.base + p.with_suffix('.html').as_posix() + (f'#{anchor}' if anchor else '')
        return p.as_posix() + (f'#{anchor}' if anchor else '')

    def _link(self, m):
        url = m.group(2)
        url = re.sub(r'#LNone$', '', url)   # nbdev cannot always find a source line number
        t = self._target(url)
        if t is None: return m.group(1) + url + m.group(3)
        if t.startswith('http'): return m.group(1) + t + m.group(3)   # a page outside a partial build
        if self.mode == 'readme': new = self.base + re.sub(r'\.md(?=#|$)', '.html', t)
        else: new = os.path.relpath(t.split('#')[0], self.rel.parent.as_posix()) + ('#' + t.split('#', 1)[1] if '#' in t else '')
        return m.group(1) + new + m.group(3)

    def md(self, s:str)->str:
        "Rewrite the links of markdown `s` (outside code fences)."
        out, fenced = [], False
        for l in s.splitlines():
            if _re_fence.match(l): fenced = not fenced
            out.append(l if fenced else _re_link.sub(self._link, l))
        return escape_md('\n'.join(out))

    def _showdoc(self, s:str)->str:
        "`show_doc` markdown: its `### name` headings get the anchor nbdev links to (`#name.lower()`)."
        s = self.md(s)
        if self.mode == 'readme': return s
        return re.sub(r'^(#{2,6}) +(\S+)[ \t]*$', lambda m: f'{m.group(1)} {m.group(2)} {{ #{m.group(2).lower()} }}', s, flags=re.M)

    def _html(self, s:str)->str:
        s = s.strip()
        return f'<div class="nb-output" markdown="0">\n{s}\n</div>' if self.mode == 'site' else None

    def _plotly(self, fig:dict)->str:
        import plotly.io as pio
        self.uses_plotly = True
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False, config={'responsive': True})
        return f'<div class="nb-output nb-plotly" markdown="0">\n{div}\n</div>'

    def _image(self, data:str, ext:str)->str:
        self.n_img += 1
        name = f'{self.rel.stem}_files/fig{self.n_img}.{ext}'
        self.files[name] = base64.b64decode(data)
        return f'![]({name})'

    def output(self, o, asis=False)->str|None:
        ot = o.get('output_type')
        if ot == 'stream':
            t = _txt(o.get('text', '')).rstrip()
            return _fence(t, 'text') if t else None
        if ot == 'error': return _fence('\n'.join(o.get('traceback', [])), 'text')
        d = o.get('data', {})
        site = self.mode == 'site'
        if MIME_PLOTLY in d and site:
            v = d[MIME_PLOTLY]
            return self._plotly(json.loads(_txt(v)) if not isinstance(v, dict) else v)
        if 'text/markdown' in d: return self._showdoc(_txt(d['text/markdown']))
        if MIME_WIDGET in d and 'text/html' not in d:
            return '!!! note "Interactive widget"\n    Run this notebook in Jupyter to use it.' if site else None
        if 'text/html' in d and site: return self._html(_txt(d['text/html']))
        for mime, ext in (('image/png', 'png'), ('image/jpeg', 'jpg')):
            if mime in d: return self._image(_txt(d[mime]), ext)
        if 'image/svg+xml' in d and site: return self._html(_txt(d['image/svg+xml']))
        if 'text/plain' in d: return _fence(_txt(d['text/plain']), 'text')
        return None

    def cell(self, c)->list[str]:
        if c.cell_type == 'markdown':
            s = c.source.strip()
            if self.mode == 'readme' and s.startswith('<!-- WARNING'): return []
            return [self.md(s)] if s else []
        if c.cell_type == 'raw': return []
        opts, src = _quarto_opts(c.source)
        if opts.get('include') == 'false': return []
        res = []
        if src and opts.get('echo') != 'false':
            code = _fence(src, 'python')
            if 'code-fold' in opts and self.mode == 'site':
                summ = opts.get('code-summary', 'Code')
                code = f'??? note "{summ}"\n\n' + '\n'.join('    ' + l if l else l for l in code.splitlines())
            res.append(code)
        not_run = getattr(c, 'not_run_', None)
        if not_run and self.mode == 'site' and res:
            why = '; '.join(f'`#| {f}`: {NOT_RUN.get(f, "a flagged cell")}' for f in not_run)
            res.append(f'Not run when this page was built ({why}).\n{{ .nb-not-run }}')
        if opts.get('output') != 'false':
            for o in c.get('outputs', []):
                r = self.output(o, asis=opts.get('output') == 'asis')
                if r: res.append(r)
        return res

    def render(self)->str:
        fm = getattr(self.nb, 'frontmatter_', {}) or {}
        title = fm.get('title')
        if not title: raise DocsError(f'{self.src}: no title; start the notebook with a markdown cell `# Title` and `> summary`')
        parts = [f'# {escape_md(title)}']
        if fm.get('description'):
            d = escape_md(fm['description'])
            parts.append(f'> {d}' if self.mode == 'readme' else f'{d}\n{{ .nb-description }}')
        for c in self.nb.cells: parts += self.cell(c)
        body = '\n\n'.join(parts) + '\n'
        if self.uses_plotly:
            js = os.path.relpath('assets/plotly.min.js', self.rel.parent.as_posix())
            body = f'<script src="{js}"></script>\n\n' + body
        if self.mode == 'readme': body = README_NOTE + '\n\n' + body
        return body

def render_nb(nb_path:Path, out:Path, nbs:Path, pages=(), paths=None, execute=True, tutorials=True, workdir=None)->dict:
    "Process, execute and convert `nb_path`; write its page (and images) under `out`. Returns its nav entry."
    cfg = _cfg()
    paths = paths if paths is not None else site_paths(nbs)
    rel = Path(paths[nb_path])
    t = time.time()
    nb = process_nb(nb_path, execute=execute, tutorials=tutorials, workdir=Path(workdir)/nb_path.stem if workdir else None)
    page = Page(nb, rel, cfg, nbs, pages, paths, src=nb_path)
    text = page.render()
    dest = out/rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    for name, data in page.files.items():
        f = dest.parent/name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    title = nb.frontmatter_.get('title')
    return dict(nb=str(nb_path), page=rel.as_posix(), title=title, plotly=page.uses_plotly, secs=round(time.time() - t, 1))

def _render_one(args): return render_nb(*args)

_re_anchor = re.compile(r'^#{1,6} .*\{ #([^ }]+) \}[ \t]*$', re.M)
_re_symlink = re.compile(r'\[`([^`\]]+)`\]\(([^)#\s]*?)#([^)\s]+)\)')

def fix_symbol_links(src:Path, aliases:dict):
    "Symbol links nbdev adds (`[`name`](page.md#name)`) go to the renamed page (`aliases`) that has the entry, or"
    "become plain code for names without a `show_doc` entry."
    mds = {p.relative_to(src).as_posix(): p for p in src.rglob('*.md')}
    anchors = {k: set(_re_anchor.findall(p.read_text())) for k, p in mds.items()}
    for k, p in mds.items():
        def f(m):
            target = os.path.normpath(os.path.join(os.path.dirname(k), m.group(2))) if m.group(2) else k
            if target not in anchors or m.group(3) in anchors[target]: return m.group(0)
            alt = [a for a in aliases.get(target, ()) if m.group(3) in anchors.get(a, ())]
            if not alt: return f'`{m.group(1)}`'
            return f'[`{m.group(1)}`]({os.path.relpath(alt[0], os.path.dirname(k) or ".")}#{m.group(3)})'
        s = p.read_text(); new = _re_symlink.sub(f, s)
        if new != s: p.write_text(new)

# ---------------------------------------------------------------- site

def nav(entries:list[dict])->list:
    "MkDocs nav: the index, the tutorials, the top-level chapters, then one section per sub-package in the pipeline's (chapter numbers') order."
    idx = [e for e in entries if e['page'] == 'index.md']
    res = [{'Home': 'index.md'}] if idx else []
    groups = {}
    for e in entries:
        if e['page'] == 'index.md': continue
        folder = Path(e['page']).parent.as_posix()
        groups.setdefault(folder, []).append({e['title']: e['page']})
    def first(folder):   # the pipeline's order: the smallest chapter number in the folder (`nbs/db/30_database.ipynb`: 30)
        nums = [int(m[1]) for e in entries if Path(e['page']).parent.as_posix() == folder and (m := re.match(r'(\d+)', Path(e['nb']).name))]
        return min(nums, default=10**6)
    for folder in sorted(groups, key=lambda f: (f != 'tutorials', f != '.', first(f), f)):
        name = 'Package' if folder == '.' else folder.replace('_', ' ').title()
        res.append({name: groups[folder]})
    return res

def mkdocs_config(entries, src:Path, dest:Path)->dict:
    import yaml
    cfg = _cfg()
    base = yaml.safe_load((DOCS/'mkdocs.yml').read_text())
    base.update(site_name=cfg.title, site_description=cfg.description,
                site_url=(cfg.doc_host + cfg.doc_baseurl).rstrip('/') + '/', repo_url=cfg.git_url,
                docs_dir=str(src), site_dir=str(dest), nav=nav(entries))
    return base

def build_site(out:Path=ROOT/'_docs', only=None, execute=True, workers=1, keep=False, nbs:Path=None,
               tutorials=True, workdir=None)->list[dict]:
    "Build the website of the notebooks in `nbs` (default: the project's) into `out`; raises `DocsError` on any broken page."
    "`tutorials`: run the tutorials' `#| tutorial` cells (in `workdir`/NAME, default a temporary folder)."
    import yaml
    cfg = _cfg()
    nbs = Path(nbs or cfg.nbs_path).resolve()
    if keep:
        src = ROOT/'_proc'/'mkdocs'
        if src.exists(): shutil.rmtree(src)
        src.mkdir(parents=True)
    else: src = Path(tempfile.mkdtemp(prefix='nafp-docs-'))/'pages'
    try:
        files = list_notebooks(nbs, only)
        if not files: raise DocsError(f'no notebooks in {nbs}')
        paths = site_paths(nbs, sorted(set(list_notebooks(nbs)) | set(files)))
        pages = tuple(paths[f] for f in files)
        aliases = {}
        for f, p in paths.items():
            if p != page_name(f, nbs).as_posix(): aliases.setdefault(page_name(f, nbs).as_posix(), []).append(p)
        jobs = [(f, src, nbs, pages, paths, execute, tutorials, workdir) for f in files]
        jobs.sort(key=lambda j: not is_tutorial(j[0]))   # the longest first, so that parallel workers finish together
        if workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor
            with ProcessPoolExecutor(workers, mp_context=mp.get_context('spawn')) as ex: entries = list(ex.map(_render_one, jobs))
        else: entries = [_render_one(j) for j in jobs]
        for e in entries: print(f"  {e['secs']:6.1f}s  {Path(e['nb']).relative_to(nbs)} -> {e['page']}", flush=True)
        src.mkdir(parents=True, exist_ok=True)
        fix_symbol_links(src, aliases)
        shutil.copytree(DOCS/'assets', src/'assets')
        if any(e['plotly'] for e in entries):
            import plotly
            shutil.copy(Path(plotly.__file__).parent/'package_data'/'plotly.min.js', src/'assets'/'plotly.min.js')
        mk = src.parent/'mkdocs.yml'
        mk.write_text(yaml.safe_dump(mkdocs_config(entries, src, out), sort_keys=False))
        r = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict', '--clean', '-f', str(mk)],
                           capture_output=True, text=True, env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'})
        log = '\n'.join(l for l in (r.stdout + r.stderr).splitlines() if l.strip() and not l.startswith('INFO'))
        if r.returncode: raise DocsError(f'mkdocs build failed (broken link or page?):\n{log}')
        missing = [e['page'] for e in entries if not (out/Path(e['page']).with_suffix('.html')).exists()]
        if missing: raise DocsError(f'pages missing from {out}: {missing}')
        (out/'.nojekyll').touch()
        return entries
    finally:
        if not keep: shutil.rmtree(src.parent, ignore_errors=True)

def build_readme(dest:Path=ROOT/'README.md', execute=True)->bool:
    "Write `dest` from the readme notebook (settings.ini `readme_nb`). Returns whether it changed."
    cfg = _cfg()
    nb_path = cfg.nbs_path/cfg.get('readme_nb', 'index.ipynb')
    nb = process_nb(nb_path, execute=execute)
    paths = site_paths(cfg.nbs_path)
    page = Page(nb, Path(paths.get(nb_path, 'index.md')), cfg, cfg.nbs_path, paths=paths, mode='readme', src=nb_path)
    text = re.sub(r'\n{3,}', '\n\n', page.render())
    for name, data in page.files.items():   # figures of the readme notebook: index_files/figN.png
        (dest.parent/name).parent.mkdir(parents=True, exist_ok=True); (dest.parent/name).write_bytes(data)
    if dest.exists() and dest.read_text() == text: return False
    dest.write_text(text)
    return True

def main(argv=None):
    p = argparse.ArgumentParser(description='Build the docs website into _docs/ (and README.md) from the notebooks.')
    p.add_argument('--readme', action='store_true', help='only write README.md from nbs/index.ipynb')
    p.add_argument('--nbs', nargs='+', help='only these notebooks (relative to nbs/), e.g. 00_core.ipynb index.ipynb')
    p.add_argument('--out', default=str(ROOT/'_docs'), help='site folder (default: _docs)')
    p.add_argument('--no-exec', action='store_true', help='do not execute the notebooks (pages without outputs)')
    p.add_argument('--workers', type=int, default=int(os.environ.get('NAFP_DOCS_WORKERS', 1)), help='notebooks executed in parallel')
    p.add_argument('--path', default=None, help='notebooks folder (default: nbs_path of settings.ini)')
    p.add_argument('--keep', action='store_true', help='keep the generated Markdown in _proc/mkdocs')
    p.add_argument('--no-tutorials', action='store_true', help="do not run the tutorials' `#| tutorial` cells (minutes)")
    p.add_argument('--workdir', default=None, help='run the tutorials in WORKDIR/NAME (emptied first) and keep what they '
                   'build; default: a temporary folder')
    a = p.parse_args(argv)
    os.environ.setdefault('NAFP_NO_PROGRESS', '1')
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    if str(ROOT) not in sys.path: sys.path.append(str(ROOT))
    t = time.time()
    try:
        if a.readme:
            changed = build_readme(execute=not a.no_exec)
            print(f"README.md {'written' if changed else 'unchanged'} ({time.time()-t:.1f}s)")
        else:
            entries = build_site(Path(a.out).resolve(), a.nbs, execute=not a.no_exec, workers=a.workers, keep=a.keep, nbs=a.path,
                                 tutorials=not a.no_tutorials, workdir=Path(a.workdir).resolve() if a.workdir else None)
            print(f'site: {len(entries)} pages in {a.out} ({time.time()-t:.1f}s)')
    except DocsError as e:
        print(f'docs build FAILED: {e}', file=sys.stderr)
        return 1
    return 0


"""Check the built website in a headless browser (Chromium driven by chromedriver): every page loads
without an error, its local scripts, styles and images exist, plotly figures are drawn, and no text of
the notebook's prose is lost on the way to the page.

    python docs/check_site.py [--site _docs] [--nbs nbs] [--shots DIR] [--require]

Lost text: the notebook's markdown cells (and the docstrings `show_doc` prints) are rendered the way
Jupyter shows them (CommonMark, with markdown-it-py), and their words must appear, in order, in the
text the browser shows on the page (`innerText`). A formula such as `<q_j, v_(c+j)>` that the site's
Markdown took for an HTML tag, or a `*` eaten by emphasis, is reported with its context.

`--shots` saves full-page screenshots of the index, the first API page, the first page with a plot
and every tutorial. Without Chromium and chromedriver it exits 0 with a message, or 1 with `--require`
(`apt-get install chromium chromium-driver`).
"""
from __future__ import annotations
import argparse, ast, base64, difflib, html, json, os, re, shutil, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome')
DRIVERS = ('chromedriver', 'chromium-driver')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--hide-scrollbars', '--window-size=1280,1000']

def find_browser()->str|None: return next((b for b in map(shutil.which, BROWSERS) if b), None)

def find_driver()->str|None:
    "chromedriver on the PATH, or in `$CHROMEWEBDRIVER` (GitHub's runners)."
    extra = [str(Path(os.environ['CHROMEWEBDRIVER'])/'chromedriver')] if os.environ.get('CHROMEWEBDRIVER') else []
    return next((d for d in [*map(shutil.which, DRIVERS), *extra] if d and os.access(d, os.X_OK)), None)

# ---------------------------------------------------------------- a minimal WebDriver client

class Browser:
    "Headless Chromium through chromedriver's WebDriver HTTP API (standard library only)."
    def __init__(self, browser:str=None, driver:str=None):
        browser, driver = browser or find_browser(), driver or find_driver()
        if not (browser and driver): raise RuntimeError('needs Chromium and chromedriver: apt-get install chromium chromium-driver')
        with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
        self.url, self.sid = f'http://127.0.0.1:{port}', None
        self.proc = subprocess.Popen([driver, f'--port={port}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                if self._req('GET', '/status')['value'].get('ready'): break
            except (OSError, ValueError): pass
            time.sleep(0.1)
        caps = {'browserName': 'chrome', 'goog:chromeOptions': {'binary': browser, 'args': ARGS}}
        self.sid = self._req('POST', '/session', {'capabilities': {'alwaysMatch': caps}})['value']['sessionId']

    def _req(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=120) as r: return json.loads(r.read() or b'{}')
        except urllib.error.HTTPError as e:
            raise RuntimeError(f'webdriver {method} {path}: {e.read().decode(errors="replace")[:500]}') from None

    def _s(self, method, path, body=None): return self._req(method, f'/session/{self.sid}{path}', body)['value']
    def open(self, page:Path): self._s('POST', '/url', {'url': page.resolve().as_uri()})
    def js(self, script:str, *args): return self._s('POST', '/execute/sync', {'script': script, 'args': list(args)})

    def wait(self, script:str, timeout=15.)->bool:
        "Poll `script` until it returns true."
        t = time.time()
        while time.time() - t < timeout:
            if self.js(script): return True
            time.sleep(0.2)
        return False

    def screenshot(self, png:Path, width=1280, max_height=16000):
        "Full-page screenshot of the open page."
        h = min(max_height, int(self.js('return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)')))
        self._s('POST', '/window/rect', {'width': width, 'height': h + 200})
        time.sleep(0.5)
        png.write_bytes(base64.b64decode(self._s('GET', '/screenshot')))
        self._s('POST', '/window/rect', {'width': width, 'height': 1000})

    def close(self):
        try:
            if self.sid: self._req('DELETE', f'/session/{self.sid}')
        except Exception: pass
        self.proc.terminate()
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

# ---------------------------------------------------------------- expected text of a notebook

_BLOCK = set('address article aside blockquote br dd details div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr '
             'li main nav ol p pre section summary table tbody td tfoot th thead tr ul'.split())

class _Text(HTMLParser):
    "Visible text of an HTML fragment (no scripts, styles, comments or image alt texts)."
    def __init__(self): super().__init__(convert_charrefs=True); self.out, self.skip = [], 0
    def handle_starttag(self, tag, attrs):
        if tag in ('script', 'style'): self.skip += 1
        if tag in _BLOCK: self.out.append(' ')
    def handle_endtag(self, tag):
        if tag in ('script', 'style'): self.skip = max(0, self.skip - 1)
        if tag in _BLOCK: self.out.append(' ')
    def handle_data(self, d):
        if not self.skip: self.out.append(d)

def _literal_products(md:str)->str:
    "`L*k` as text: a `*` between two letters or digits is a product, not emphasis (outside code)."
    out, fenced = [], False
    for l in md.split('\n'):
        if re.match(r'^\s*(```|~~~)', l): fenced = not fenced
        elif not fenced:
            l = ''.join(x if i % 2 else re.sub(r'(?<=[A-Za-z0-9])\*(?=[A-Za-z0-9])', r'\\*', x)
                        for i, x in enumerate(re.split(r'(`+[^`]*`+)', l)))
        out.append(l)
    return '\n'.join(out)

def md_text(md:str)->str:
    "The text Jupyter shows for markdown `md` (CommonMark with raw HTML, as markdown-it-py renders it), except that"
    "`L*k` stays a product (Jupyter would pair such `*`s into emphasis too, which no author means)."
    from markdown_it import MarkdownIt
    md = _literal_products(md)
    p = _Text(); p.feed(MarkdownIt('commonmark', {'html': True}).enable('table').render(md)); p.close()
    return ''.join(p.out)

def _directives(src:str)->set:
    return {m.group(1) for m in re.finditer(r'^\s*#\|\s*([\w-]+)', src, re.M)}

def _docstrings(src:str)->list[str]:
    "Docstrings that `show_doc` prints for an exported cell: its public top-level functions and classes."
    src = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    try: tree = ast.parse(src)
    except SyntaxError: return []
    res = []
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith('_'):
            d = ast.get_docstring(n)
            if d: res.append(d)
    return res

def notebook_text(nb_path:Path)->list[tuple[str, str]]:
    "(where, text) of every piece of prose a page must show: markdown cells and `show_doc` docstrings, in order."
    nb = json.loads(Path(nb_path).read_text())
    res = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] == 'markdown':
            if not src.strip() or src.lstrip().startswith('<!-- WARNING'): continue
            res.append((f'markdown cell {i}', md_text(src)))
        elif c['cell_type'] == 'code':
            d = _directives(src)
            if d & {'export', 'exports'} and not d & {'hide'}:
                res += [(f'docstring in cell {i}', md_text(s)) for s in _docstrings(src)]
    return res

# ---------------------------------------------------------------- comparison

def _words(s:str)->list[str]: return html.unescape(s).replace('\u00b6', ' ').split()

def lost_text(expected:list[tuple[str, str]], visible:str, context=6)->list[str]:
    "Words of `expected` (in order) missing from the `visible` text, each with its place and context."
    exp, where = [], []
    for w, t in expected:
        ws = _words(t); exp += ws; where += [w]*len(ws)
    vis = _words(visible)
    sm = difflib.SequenceMatcher(None, exp, vis, autojunk=False)
    res = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op not in ('delete', 'replace'): continue
        before = ' '.join(exp[max(0, i1-context):i1])
        shown = ' '.join(vis[j1:j2][:12]) if op == 'replace' else ''
        res.append(f"{where[i1]}: '{' '.join(exp[i1:i2])}' (after '{before}')" + (f" shown as '{shown}'" if shown else ''))
    return res

# ---------------------------------------------------------------- pages

_re_ref = re.compile(r'<(?:script|img)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"')

def pages(site:Path)->list[Path]:
    return sorted(p for p in site.rglob('*.html') if p.name != '404.html' and 'search' not in p.parts)

def page_notebooks(site:Path, nbs:Path)->dict:
    "{page: notebook} for the pages of `site` built from the notebooks in `nbs`."
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from docsite import site_paths
    return {(site/Path(p).with_suffix('.html')).resolve(): nb for nb, p in site_paths(nbs).items()}

_JS_TEXT = "const a = document.querySelector('article') || document.body; return a.innerText"
_JS_PLOTS = ("const d = Array.from(document.querySelectorAll('.plotly-graph-div'));"
             " return [d.length, d.filter(x => x.querySelector('.main-svg')).length]")
_JS_DRAWN = "const r = (function () {" + _JS_PLOTS + "})(); return r[0] == r[1]"

def check_page(b:Browser, page:Path, site:Path, nb:Path|None=None)->tuple[list[str], int]:
    "Problems of one page (empty when fine), and how many words of its notebook's prose it lost."
    errs, src = [], page.read_text()
    for a, c in _re_ref.findall(src):
        ref = (a or c).split('#')[0].split('?')[0]
        if not ref or re.match(r'^[a-z]+:|^//', ref): continue
        if not (page.parent/ref).exists(): errs.append(f'missing local file {ref}')
    b.open(page)
    if 'plotly-graph-div' in src: b.wait(_JS_DRAWN)
    title, text = b.js("const h = document.querySelector('article h1'); return h ? h.innerText : ''"), b.js(_JS_TEXT)
    if not title: errs.append('no <h1> title (blank or error page)')
    if 'Traceback (most recent call last)' in text: errs.append('a Python traceback is shown')
    n_fig, n_drawn = b.js(_JS_PLOTS)
    if n_fig and n_drawn < n_fig: errs.append(f'{n_fig - n_drawn} of {n_fig} plotly figures not drawn')
    n_lost = 0
    if nb is not None:
        prose = notebook_text(nb)   # the markdown cells in order; each docstring anywhere (show_doc may reorder them)
        lost = lost_text([t for t in prose if t[0].startswith('markdown')], text)
        for t in prose:
            if not t[0].startswith('markdown'): lost += lost_text([t], text)
        n_lost = sum(len(l.split("'")[1].split()) for l in lost)
        errs += [f'lost text: {l}' for l in lost]
    return [f'{page.relative_to(site)}: {e}' for e in errs], n_lost

def check_site(site:Path, shots:Path|None=None, nbs:Path|None=None, browser=None, driver=None)->dict:
    "Check every page of `site` (lost text against the notebooks in `nbs`, default the project's);"
    "returns {'pages', 'plotly_pages', 'errors', 'lost', 'shots'}."
    site = Path(site).resolve()
    ps = pages(site)
    if not ps: return dict(pages=[], plotly_pages=[], errors=[f'no pages in {site}'], lost={}, shots=[])
    nbs = Path(nbs or ROOT/'nbs').resolve()
    nb_of = page_notebooks(site, nbs) if nbs.exists() else {}
    plotly = [p for p in ps if 'plotly-graph-div' in p.read_text()]
    errors, lost, taken = [], {}, []
    with Browser(browser, driver) as b:
        for p in ps:
            e, n = check_page(b, p, site, nb_of.get(p.resolve()))
            errors += e; lost[p.relative_to(site).as_posix()] = n
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
            api = sorted((p for p in ps if p.parent.name != 'tutorials' and p.name != 'index.html'), key=lambda p: -p.read_text().count('<h3 id='))
            todo = [('index', site/'index.html'), ('api', api[0] if api else None), ('plotly', plotly[0] if plotly else None)]
            todo += [(f'tutorial_{p.stem}', p) for p in ps if p.parent.name == 'tutorials']
            for name, p in todo:
                if p is None or not p.exists(): continue
                b.open(p)
                b.wait(_JS_DRAWN)
                png = shots/f'{name}.png'; b.screenshot(png); taken.append(png)
    return dict(pages=ps, plotly_pages=plotly, errors=errors, lost=lost, shots=taken)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default=str(ROOT/'_docs'))
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='the notebooks the pages were built from (for the lost-text check)')
    ap.add_argument('--shots', default=None, help='folder for screenshots')
    ap.add_argument('--require', action='store_true', help='fail (instead of skipping) without Chromium and chromedriver')
    a = ap.parse_args(argv)
    if not (find_browser() and find_driver()):
        print('check_site: Chromium or chromedriver not found (apt-get install chromium chromium-driver)' + ('' if a.require else ', skipped'))
        return 1 if a.require else 0
    r = check_site(Path(a.site), Path(a.shots) if a.shots else None, Path(a.nbs))
    for e in r['errors']: print('ERROR', e, file=sys.stderr)
    n_lost = sum(r['lost'].values())
    print(f"check_site: {len(r['pages'])} pages, {len(r['plotly_pages'])} with plotly figures, "
          f"{n_lost} words of notebook text lost, {len(r['errors'])} problems"
          + (f"; screenshots: {', '.join(map(str, r['shots']))}" if r['shots'] else ''))
    return 1 if r['errors'] else 0

if __name__ == '__main__': sys.exit(main())

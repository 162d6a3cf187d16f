"""Check the built website in a headless browser (Chromium): every page loads without an error,
its local scripts, styles and images exist, and plotly figures are drawn.

    python docs/check_site.py [--site _docs] [--shots DIR]

`--shots` saves screenshots of the index, the first API page and the first page with a plot.
Exits 0 with a message when no Chromium is installed (`apt-get install chromium`).
"""
from __future__ import annotations
import argparse, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'chrome')

def find_browser()->str|None: return next((b for b in map(shutil.which, BROWSERS) if b), None)

def _chrome(browser, *args, timeout=120)->subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as prof:
        cmd = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
               f'--user-data-dir={prof}', '--virtual-time-budget=8000', *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

def dump_dom(browser, page:Path)->str: return _chrome(browser, '--dump-dom', page.as_uri()).stdout

def screenshot(browser, page:Path, png:Path, size='1280,1400'):
    _chrome(browser, f'--screenshot={png}', f'--window-size={size}', page.as_uri())
    if not png.exists(): raise AssertionError(f'no screenshot of {page}')

_re_ref = re.compile(r'<(?:script|img)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"')

def pages(site:Path)->list[Path]:
    return sorted(p for p in site.rglob('*.html') if p.name != '404.html' and 'search' not in p.parts)

def check_page(browser, page:Path, site:Path)->list[str]:
    "Problems of one page (empty when fine)."
    errs, src = [], page.read_text()
    for a, b in _re_ref.findall(src):
        ref = (a or b).split('#')[0].split('?')[0]
        if not ref or re.match(r'^[a-z]+:|^//', ref): continue
        if not (page.parent/ref).exists(): errs.append(f'missing local file {ref}')
    dom = dump_dom(browser, page)
    rel = page.relative_to(site)
    if '<h1' not in dom: errs.append('no <h1> title (blank or error page)')
    if 'neterror' in dom or 'ERR_' in dom[:2000]: errs.append('browser error page')
    if 'Traceback (most recent call last)' in dom: errs.append('a Python traceback is shown')
    n_fig = src.count('class="plotly-graph-div"')
    n_drawn = len(re.findall(r'<div[^>]*class="[^"]*plotly-graph-div[^"]*js-plotly-plot', dom))
    if n_fig and n_drawn < n_fig: errs.append(f'{n_fig - n_drawn} of {n_fig} plotly figures not drawn')
    return [f'{rel}: {e}' for e in errs]

def check_site(site:Path, shots:Path|None=None, browser=None)->dict:
    "Check every page of `site`; returns {'pages', 'plotly_pages', 'errors', 'shots'}."
    browser = browser or find_browser()
    ps = pages(site)
    if not ps: return dict(pages=[], plotly_pages=[], errors=[f'no pages in {site}'], shots=[])
    errors = [e for p in ps for e in check_page(browser, p, site)]
    plotly = [p for p in ps if 'plotly-graph-div' in p.read_text()]
    taken = []
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
        api = sorted((p for p in ps if p.parent == site and p.name != 'index.html'), key=lambda p: -p.read_text().count('<h3 id='))
        for name, p in (('index', site/'index.html'), ('api', api[0] if api else None), ('plotly', plotly[0] if plotly else None)):
            if p is None or not p.exists(): continue
            png = shots/f'{name}.png'; screenshot(browser, p, png, size='1280,6000' if name == 'plotly' else '1280,1400'); taken.append(png)
    return dict(pages=ps, plotly_pages=plotly, errors=errors, shots=taken)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default=str(ROOT/'_docs'))
    ap.add_argument('--shots', default=None, help='folder for screenshots')
    a = ap.parse_args(argv)
    if not find_browser(): print('check_site: no Chromium found, skipped'); return 0
    r = check_site(Path(a.site), Path(a.shots) if a.shots else None)
    for e in r['errors']: print('ERROR', e, file=sys.stderr)
    print(f"check_site: {len(r['pages'])} pages, {len(r['plotly_pages'])} with plotly figures, {len(r['errors'])} problems"
          + (f"; screenshots: {', '.join(map(str, r['shots']))}" if r['shots'] else ''))
    return 1 if r['errors'] else 0

if __name__ == '__main__': sys.exit(main())

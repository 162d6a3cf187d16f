"""Real-music identification benchmark: nafp against audfprint on the same degraded query files.

Held-out tracks (default: the test packages of the real-music split, all but `--min_fp` of them) are
decoded to mono WAV at `--sr` and go into a `nafp` fingerprint DB and into two audfprint DBs (default
density and `--density 100`; audfprint analyses its queries at the density of the DB), filled up to
`--n` tracks with distractors from the training packages, which are never queried. From each held-out
track, queries of 1, 2, 3, 5 and 10 s start at random offsets (enough per track for >= 100 queries
per cell) and are degraded six ways (clean, MP3 32 kbit/s, real noise at 5 dB SNR, room reverb +
300-3400 Hz band, speed +3 % by resampling, tempo -2 % by ffmpeg's `atempo`), written as files that
both systems read. Queries whose excerpt is mostly digital silence (a tracker module's silent
tail) are left out of every system's score, and counted.
Scored with the best guess taken: song top-1 and offset top-1 (|offset error| <= 0.5 s, the offset
of a speed- or tempo-changed query being its true start in the original).

The false-positive part runs 5 s and 10 s excerpts (clean and MP3) of tracks NOT in the DB (the
held-out tracks kept out, and the validation packages, which no model was trained on) through
`nafp` identify with its accept/reject, and compares the measured false-positive rate with the DB
calibration's own estimate; it also gives the share of correct 1 s and 5 s queries (clean, MP3,
reverb) that are accepted, and audfprint's (default settings) for comparison.

Decoded tracks, queries, audfprint DBs and audfprint results are cached under `--work` in folders
named by a hash of their inputs, so a re-run with new weights only rebuilds the nafp DB.

    python benchmarks/bench_real_music.py --n 100 --seed 0 [--checkpoint pretrained-tiny] \\
        [--audfprint /work/audfprint --audfprint_python /work/audfprint-venv/bin/python]
"""
import argparse, hashlib, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np

X = '/work/realmusic/x'
DEF_DB = [f'{X}/supertuxkart-data/usr/share/games/supertuxkart/data/music', f'{X}/megaglest-data', f'{X}/pingus-data']
DEF_NOISE = [f'{X}/megaglest-data/usr/share/games/megaglest/tilesets', f'{X}/supertuxkart-data/usr/share/games/supertuxkart/data/sfx']
DEF_VAL = [f'{X}/mu-cade-data', f'{X}/extremetuxracer-data']
DEF_DISTRACT = [f'{X}/flare-game', f'{X}/fillets-ng-data', f'{X}/tecnoballz-data']   # training packages: in the DB, never queried
DEGS = ('clean', 'mp3', 'noise', 'reverb_band', 'speed', 'tempo')
DEG_NAMES = dict(clean='clean', mp3='MP3 32 kbit/s', noise='real noise 5 dB SNR', reverb_band='reverb + 300-3400 Hz',
                 speed='speed +3 % (pitch+tempo)', tempo='tempo -2 % (pitch kept)')
MODULE_EXTS = ('.it', '.xm', '.mod', '.s3m')
QUERY_VERSION = 'q2'   # bump when the query generation changes
DECODE_VERSION = 'd2'  # bump when decoding changes
OURS_VERSION = 'o12'    # bump when nafp's DB or calibration changes in a way the weights do not show

def key(*parts)->str:
    "Short hash of JSON-able inputs, used in cache folder names."
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:10]

def bar(it=None, **kw):
    from neural_audio_fp.core import progress
    return progress(it, **kw)

def atomic_dir(final:Path, build):
    "Run build(tmp_dir), then rename tmp_dir onto `final` (a cache folder appears complete or not at all)."
    if final.is_dir(): return final
    tmp = final.with_name(final.name + '.partial'); shutil.rmtree(tmp, ignore_errors=True); tmp.mkdir(parents=True)
    build(tmp); os.replace(tmp, final)
    return final

def write_json(path:Path, obj):
    tmp = path.with_name(path.name + '.tmp'); tmp.write_text(json.dumps(obj, indent=1)); os.replace(tmp, path)

# ---------------------------------------------------------------- tracks
def scan(dirs:list, min_dur:float, include:str='')->list:
    "Audio files (and tracker modules) under `dirs` whose path matches `include`, of at least `min_dur` s (modules: checked after rendering)."
    import soundfile as sf
    from neural_audio_fp.audio.io import AUDIO_EXTS
    out = []
    for d in dirs:
        for p in sorted(Path(d).rglob('*')):
            if not p.is_file() or not re.search(include, str(p)): continue
            s = p.suffix.lower()
            if s in MODULE_EXTS: out.append(p)
            elif s in AUDIO_EXTS:
                try: ok = sf.info(str(p)).duration >= min_dur
                except Exception: ok = True   # let the decoder decide
                if ok: out.append(p)
    return out

def decode(p:Path, sr:int, tmp:Path)->np.ndarray:
    "Mono float32 audio of `p` at `sr` (tracker modules rendered once with openmpt123)."
    from neural_audio_fp.audio.io import load_audio
    if p.suffix.lower() in MODULE_EXTS:
        w = tmp/(p.name + '.wav')
        subprocess.run(['openmpt123', '--batch', '--quiet', '--force', '--samplerate', str(sr), '--channels', '1', '--no-float',
                        '--output', str(w), str(p)], check=True, capture_output=True)
        x = load_audio(w, sr=sr); w.unlink(); return x
    return load_audio(p, sr=sr)

def track_name(p:Path, root:Path)->str:
    r = p.relative_to(root) if p.is_relative_to(root) else Path(p.name)
    return re.sub(r'[^A-Za-z0-9_-]+', '_', f'{root.name}__{r.with_suffix("")}')[-90:]

def decoded_tracks(dirs:list, work:Path, sr:int, min_dur:float, label:str, include:str='')->dict:
    "{name: wav path} of the distinct tracks >= min_dur s in `dirs`, decoded to mono 16-bit WAV at `sr` (cached)."
    files = scan(dirs, min_dur, include)
    stems = {(p.parent, p.stem.lower()) for p in files}   # alternate versions: X_fast / X_f beside X (same piece, faster)
    alt = [p for p in files if (m := re.fullmatch(r'(.+?)[-_](fast|f)', p.stem.lower())) and (p.parent, m[1]) in stems]
    if alt: print(f'  skipping {len(alt)} alternate versions of other tracks: {", ".join(p.name for p in alt)}', file=sys.stderr)
    files = [p for p in files if p not in alt]
    k = key(DECODE_VERSION, [(str(p), p.stat().st_size) for p in files], sr, min_dur)
    def build(tmp):
        from neural_audio_fp.audio.io import write_wav
        seen, names = {}, {}
        for p in bar(files, desc=f'decoding {label}'):
            root = next(Path(d) for d in dirs if p.is_relative_to(Path(d)))
            try: x = decode(p, sr, tmp)
            except Exception as e: print(f'  skipping {p}: {e}', file=sys.stderr); continue
            if len(x) < min_dur*sr: continue
            dup = next((n for n, y in seen.get(len(x), []) if np.corrcoef(x[:sr*20], y)[0, 1] > .95), None)
            if dup: print(f'  skipping {p}: duplicate of {dup}', file=sys.stderr); continue
            seen.setdefault(len(x), []).append((p.name, x[:sr*20]))
            n = track_name(p, root); write_wav(tmp/f'{n}.wav', x, sr); names[n] = str(p)
        write_json(tmp/'sources.json', names)
    d = atomic_dir(work/f'tracks-{label}-{k}', build)
    return {n: str(d/f'{n}.wav') for n in sorted(json.loads((d/'sources.json').read_text()))}

# ---------------------------------------------------------------- degradations
def room_irs(n:int, sr:int, rng)->list:
    "`n` impulse responses of simulated shoebox rooms (RT60 0.3-0.8 s) with pyroomacoustics."
    import pyroomacoustics as pra
    out = []
    while len(out) < n:
        dims = rng.uniform([3, 3, 2.5], [10, 8, 4]); rt60 = rng.uniform(.3, .8)
        try: e, order = pra.inverse_sabine(rt60, dims)
        except ValueError: continue
        room = pra.ShoeBox(dims, fs=sr, materials=pra.Material(e), max_order=min(order, 30))
        room.add_source(rng.uniform(.5, dims - .5)); room.add_microphone(rng.uniform(.5, dims - .5))
        room.compute_rir(); h = np.asarray(room.rir[0][0], np.float32)
        out.append(h/np.abs(h).max())
    return out

def mp3(wav:Path, dst:Path, kbps:int=32):
    subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', str(wav), '-codec:a', 'libmp3lame',
                    '-b:a', f'{kbps}k', str(dst)], check=True)

def atempo(x:np.ndarray, rate:float, sr:int)->np.ndarray:
    "`x` played at `rate` times its tempo, pitch kept, with ffmpeg's `atempo` filter."
    r = subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-f', 'f32le', '-ar', str(sr), '-ac', '1', '-i', 'pipe:0',
                        '-filter:a', f'atempo={rate}', '-f', 'f32le', 'pipe:1'], input=np.asarray(x, '<f4').tobytes(), capture_output=True, check=True)
    return np.frombuffer(r.stdout, '<f4')

def excerpt(x:np.ndarray, s:int, n:int, deg:str, sr:int, rng, noise:list, irs:list)->np.ndarray:
    "The degraded query of `n` samples whose content starts at sample `s` of track `x` (mp3: the clean excerpt)."
    from scipy.signal import butter, sosfilt, resample_poly, fftconvolve
    if deg in ('clean', 'mp3'): return x[s:s+n]
    if deg == 'noise':
        y = x[s:s+n]; z = noise[rng.integers(len(noise))]
        z = np.tile(z, int(np.ceil(n/len(z))) + 1); i = rng.integers(0, len(z) - n + 1); z = z[i:i+n]
        g = np.sqrt(np.mean(y**2)/(np.mean(z**2) + 1e-12)/10**(5/10))
        return y + g*z
    if deg == 'reverb_band':   # the room hears up to 1 s of music before the query starts
        c = min(s, sr); y = fftconvolve(x[s-c:s+n], irs[rng.integers(len(irs))])[c:c+n]
        y = sosfilt(butter(4, [300, 3400], 'bandpass', fs=sr, output='sos'), y)
        return .5*y/(np.abs(y).max() + 1e-9)*max(np.abs(x[s:s+n]).max(), .05)
    if deg == 'speed':         # played 3 % fast: 1.03*n samples of the original squeezed into n
        return resample_poly(x[s:s+int(np.ceil(n*1.03)) + 200], 100, 103)[:n]
    if deg == 'tempo':         # 2 % slower, pitch kept (ffmpeg's atempo, overlap-add): 0.98*n samples stretched to n
        c = min(s, sr//2); y = atempo(x[s-c:s+int(n*.98) + sr//2], .98, sr)
        i = int(round(c/.98)); return y[i:i+n]
    raise ValueError(deg)

def make_queries(db:dict, fp:list, noise_files:list, work:Path, a)->dict:
    "Write all query files; returns the manifest {'queries': [...], 'fp': [...]} (cached by inputs)."
    k = key(QUERY_VERSION, a.seed, a.lengths, a.sr, a.fp_per, a.per_track, [(n, Path(p).stat().st_size) for n, p in db.items()],
            [(n, Path(p).stat().st_size) for n, p in fp], [(str(p), p.stat().st_size) for p in noise_files])
    def build(tmp):
        from neural_audio_fp.audio.io import load_audio, write_wav
        rng = np.random.default_rng(a.seed); sr = a.sr
        noise = [load_audio(p, sr=sr) for p in bar(noise_files, desc='loading noise')]
        noise = [z for z in noise if len(z) >= sr and np.std(z) > 1e-4]
        irs = room_irs(30, sr, rng); man = dict(queries=[], fp=[])
        jobs = [('queries', n, p, L, d, r) for n, p in db.items() for L in a.lengths for r in range(a.per_track) for d in DEGS]
        jobs += [('fp', n, p, L, d, r) for n, p in fp for L in (5, 10) for d in ('clean', 'mp3') for r in range(a.fp_per)]
        cache, starts = {}, {}
        for part, n, p, L, d, r in bar(jobs, desc='writing queries'):
            if p not in cache: cache = {p: load_audio(p, sr=sr)}
            x = cache[p]; m = int(L*sr); room = int(np.ceil(m*1.03)) + 2*sr
            if part == 'fp' or (n, L, r) not in starts:   # one random start per (track, length, repeat), shared by its degradations
                starts[n, L, r] = int(rng.integers(sr, max(sr + 1, len(x) - room)))
            s = starts[n, L, r]
            f = tmp/part/d/f'{L}s'/f'{n}-{s}.wav'; f.parent.mkdir(parents=True, exist_ok=True)
            write_wav(f, np.clip(excerpt(x, s, m, d, sr, rng, noise, irs), -1, 1), sr)
            if d == 'mp3': g = f.with_suffix('.mp3'); mp3(f, g); f.unlink(); f = g
            man[part].append(dict(file=str(f.relative_to(tmp)), track=n, deg=d, len=L, offset=s/sr))
        write_json(tmp/'manifest.json', man)
    d = atomic_dir(work/f'queries-{k}', build)
    man = json.loads((d/'manifest.json').read_text())
    for q in man['queries'] + man['fp']: q['file'] = str(d/q['file'])
    return man

# ---------------------------------------------------------------- nafp (ours)
def weights_hash(checkpoint:str, log_root:str)->str:
    if checkpoint.startswith('pretrained-'):
        from neural_audio_fp.model.pretrained import pretrained_dir
        d = pretrained_dir(checkpoint[len('pretrained-'):])
    else: d = Path(log_root)/'checkpoint'/checkpoint.split(':')[0]
    return key(checkpoint, [(p.name, hashlib.sha1(p.read_bytes()).hexdigest()) for p in sorted(d.iterdir()) if p.is_file() and p.suffix != '.md'])   # the model card's text is not the model

def nafp_cli(*args)->str:
    "Run `nafp ARGS` (this interpreter, this checkout's package); its stdout."
    r = subprocess.run([sys.executable, '-c', 'import sys; from neural_audio_fp.cli.commands import main; main(sys.argv[1:])', *map(str, args)],
                       capture_output=True, text=True, env=dict(os.environ, NAFP_NO_PROGRESS='1'))
    if r.returncode: raise RuntimeError(f"nafp {' '.join(map(str, args[:3]))} failed:\n{r.stderr[-3000:]}")
    return r.stdout

def linked(folder:Path, files:list)->Path:
    "A folder of symlinks to `files` (what `--source`/`--val` take)."
    folder.mkdir(parents=True)
    for i, f in enumerate(files): (folder/f'{i:04d}-{Path(f).name}').symlink_to(Path(f).resolve())
    return folder

def ours_db(db_files:list, val_files:list, work:Path, a):
    """Build (or reopen) the nafp DB of `db_files` with `nafp index build`, as a user would. A build that does not
    calibrate by default (no `--fpr` option) gets `--val` with `val_files`."""
    from neural_audio_fp.db.database import FingerprintDB
    wh = weights_hash(a.checkpoint, a.log_root); log_root = a.log_root
    if a.checkpoint.startswith('pretrained-'):   # a package whose DBs do not carry their model finds it here
        from neural_audio_fp.model.pretrained import install_pretrained
        log_root = str(work/f'logs-{wh}'); install_pretrained(a.checkpoint[len('pretrained-'):], log_root)
    d = work/f'ours-{key(OURS_VERSION, wh, db_files, val_files, a.seed)}'
    def build(tmp):
        cmd = ['index', 'build', tmp/'db', '--source', linked(tmp/'source', db_files), '--checkpoint', a.checkpoint, '--log_root', log_root]
        if '--fpr' not in nafp_cli('index', 'build', '--help') and val_files: cmd += ['--val', linked(tmp/'val', val_files)]
        print('nafp ' + ' '.join(map(str, cmd)), flush=True); t0 = time.perf_counter()
        print(nafp_cli(*cmd).strip()); (tmp/'build_s').write_text(f'{time.perf_counter() - t0:.1f}')
    d = atomic_dir(d, build)
    return FingerprintDB(d/'db', log_root=log_root), d

def ours_identify(db, files:list, cache_dir:Path)->list:
    "Best guess per query file: [{'track','offset','score','confidence','in_db'}] (in_db None: no accept/reject), cached."
    from neural_audio_fp.identify.lookup import identify
    cache = cache_dir/f'results-{key(files)}.json'
    if cache.is_file(): return json.loads(cache.read_text())
    out = []
    for f in bar(files, desc='nafp identify'):
        none = dict(path=None, offset=None, score=0., confidence=None, in_db=False)
        try: m = (identify(db, f, top_k=2, window=30.)['matches'] or [none])[0]   # queries <= 10 s: one window; none: nothing but silence
        except Exception as e:
            print(f'  nafp failed on {f}: {e}', file=sys.stderr); m = none
        out.append(dict(track=Path(m['path']).stem if m['path'] else None, offset=m['offset'], score=m['score'],
                        confidence=m['confidence'], in_db=m['in_db']))
    write_json(cache, out)
    return out

def ours_calibration(db)->dict|None:
    from neural_audio_fp.identify.lookup import load_calibration
    c = load_calibration(db)
    return None if c is None else dict(fpr=c.fpr, fpr_range=c.fpr_range, tpr=c.tpr, threshold=c.threshold, n_pos=c.n_pos, n_neg=c.n_neg)

# ---------------------------------------------------------------- audfprint
MATCH = re.compile(r'^Matched (.+?) [-\d.]+ sec \d+ raw hashes as (.+?) at\s+(-?[\d.]+) s with\s+(\d+) of\s+(\d+) common')
NOMATCH = re.compile(r'^NOMATCH (.+?) [-\d.]+ sec')

def audf(a, *args, cwd=None):
    r = subprocess.run([a.audfprint_python, str(Path(a.audfprint)/'audfprint.py'), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if r.returncode: raise RuntimeError(f'audfprint {" ".join(map(str, args[:3]))} failed:\n{r.stderr[-2000:]}')
    return r.stdout

def audf_db(db_files:list, density, work:Path, a)->Path:
    "audfprint DB (.pklz) of `db_files` at `density` (None: its default), cached."
    dens = [] if density is None else ['--density', density]
    def build(tmp):
        (tmp/'list.txt').write_text('\n'.join(db_files) + '\n')
        print(f'audfprint new (density {density or "default"}) on {len(db_files)} tracks ...', flush=True)
        audf(a, 'new', '-d', tmp/'db.pklz', *dens, '-H', a.jobs, '-l', tmp/'list.txt')
    return atomic_dir(work/f'audfprint-{key(db_files, density)}', build)/'db.pklz'

def audf_match(dbfile:Path, files:list, a, density=None)->list:
    "Best match per file, queries analysed at the DB's `density`: [{'track','offset','count'}] (track None: no match), cached."
    dens = [] if density is None else ['--density', density]
    cache = dbfile.parent/f'match-{key(files, density)}.json'
    if cache.is_file(): return json.loads(cache.read_text())
    chunks = [files[i:i+100] for i in range(0, len(files), 100)]
    def run(i_ch):   # each chunk's output is kept, so an interrupted run resumes
        i, ch = i_ch; done = dbfile.parent/f'chunk-{key(ch, density)}.txt'
        if done.is_file(): return done.read_text().splitlines()
        lst = dbfile.parent/f'q{i}.txt'; op = dbfile.parent/f'q{i}.out'
        lst.write_text('\n'.join(ch) + '\n'); op.unlink(missing_ok=True)
        audf(a, 'match', '-d', dbfile, *dens, '-x', 1, '-o', op, '-l', lst)
        os.replace(op, done); lst.unlink(); return done.read_text().splitlines()
    res = {}
    with ThreadPoolExecutor(a.jobs) as ex:
        for lines in bar(ex.map(run, enumerate(chunks)), total=len(chunks), desc=f'audfprint match {dbfile.parent.name}'):
            for l in lines:
                if m := MATCH.match(l): res.setdefault(m[1], dict(track=Path(m[2]).stem, offset=float(m[3]), count=int(m[4])))
                elif m := NOMATCH.match(l): res.setdefault(m[1], dict(track=None, offset=None, count=0))
    out = [res.get(f, dict(track=None, offset=None, count=0)) for f in files]
    write_json(cache, out)
    return out

def sounding_share(f:str, sr:int, frame:float=.1, floor:float=1e-4)->float:
    "Share of `f`'s 0.1 s frames above -80 dBFS RMS (digital silence is below)."
    import soundfile as sf
    x, fs = sf.read(f, dtype='float32', always_2d=True); x = x.mean(1); n = max(1, int(frame*fs))
    fr = x[:len(x)//n*n].reshape(-1, n)
    return float((np.sqrt((fr**2).mean(1)) > floor).mean()) if len(fr) else 0.

def silent_queries(qs:list, sr:int, min_share:float=.5)->set:
    "Indices of the queries whose excerpt (its clean version) is digital silence for more than half its length: no system can name it."
    clean = {(q['track'], q['len'], q['offset']): q['file'] for q in qs if q['deg'] == 'clean'}
    bad = {k for k, f in clean.items() if sounding_share(f, sr) < min_share}
    return {i for i, q in enumerate(qs) if (q['track'], q['len'], q['offset']) in bad}

# ---------------------------------------------------------------- scoring and report
def song(name:str|None)->str|None:
    "Song identity of a track name: a tracker module and a render of it found beside (`_rendered/.../X.it.wav`) are one song."
    return None if name is None else re.sub(r'_(it|xm|mod|s3m)$', '', name.replace('___rendered_', '__'))

def score(qs:list, preds:list)->list:
    "Per query: right song, right song and offset within 0.5 s, accepted (audfprint: reported a match)."
    out = [dict(deg=q['deg'], len=q['len'], song=song(p['track']) == song(q['track']),
                offset=song(p['track']) == song(q['track']) and p['offset'] is not None and abs(p['offset'] - q['offset']) <= .5,
                in_db=p.get('in_db', p['track'] is not None)) for q, p in zip(qs, preds)]
    for r in out: r['accepted'] = r['song'] and r['in_db'] is not False   # the right song, and reported as a match
    return out

def table(rows:dict, what:str, lengths:list)->dict:
    "{system: {deg: {len: % of queries correct}}}"
    return {s: {d: {L: 100*np.mean([r[what] for r in rs if r['deg'] == d and r['len'] == L]) for L in lengths} for d in DEGS} for s, rs in rows.items()}

def md_table(t:dict, lengths:list, title:str)->str:
    sys_ = list(t)
    head = f"| degradation | " + " | ".join(sys_) + " |\n|---|" + "---|"*len(sys_)
    body = [f"| {DEG_NAMES[d]} | " + " | ".join(" / ".join(f"{t[s][d][L]:.0f}" for L in lengths) for s in sys_) + " |" for d in DEGS]
    return f"{title} (%, at {' / '.join(map(str, lengths))} s)\n\n{head}\n" + "\n".join(body)

def figure(tabs:dict, lengths:list, path:Path, title:str='Real-music identification: best guess, song and offset (|error| <= 0.5 s) top-1'):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=2, cols=len(DEGS), subplot_titles=[DEG_NAMES[d] for d in DEGS], shared_yaxes=True, vertical_spacing=.12)
    colors = dict(zip(tabs['song'], ['#d62728', '#1f77b4', '#2ca02c', '#9467bd']))
    for r, what in enumerate(('song', 'offset'), 1):
        for c, d in enumerate(DEGS, 1):
            for s, t in tabs[what].items():
                fig.add_trace(go.Scatter(x=lengths, y=[t[d][L] for L in lengths], name=s, legendgroup=s, showlegend=r == 1 and c == 1,
                                         mode='lines+markers', line=dict(color=colors[s])), r, c)
        fig.update_yaxes(title_text=f'{what} top-1 (%)', range=[0, 101], row=r, col=1)
    fig.update_xaxes(type='log', tickvals=lengths, title_text='query (s)', row=2)
    fig.update_layout(height=650, width=1500, title=title)
    tmp = path.with_name(path.name + '.tmp.html'); fig.write_html(tmp, include_plotlyjs=True); os.replace(tmp, path)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n', 2)[2])
    p.add_argument('--db_tracks', action='append', help=f'folder of held-out tracks for the DB (repeatable; default: {DEF_DB})')
    p.add_argument('--fp_tracks', action='append', help=f'folder of tracks NOT in the DB (repeatable; default: {DEF_VAL}, plus --min_fp held-out tracks kept out of the DB)')
    p.add_argument('--noise', action='append', help=f'folder of real noise, disjoint from training (repeatable; default: {DEF_NOISE})')
    p.add_argument('--calib_val', action='append', help=f'songs not in the DB to calibrate on, when building leaves no calibration (default: {DEF_VAL})')
    p.add_argument('--checkpoint', default='pretrained-tiny_real', help="nafp model: 'pretrained-NAME' or a run NAME[:INDEX] under --log_root")
    p.add_argument('--log_root', default='./logs/', help='LOG_ROOT_DIR of a trained run')
    p.add_argument('--n', type=int, default=100, help='DB tracks: the held-out ones (queried), filled up with --distractors')
    p.add_argument('--distractors', action='append', help=f'folders of tracks that fill the DB up to --n and are never queried (repeatable; default: {DEF_DISTRACT}; "" for none)')
    p.add_argument('--per_track', type=int, default=0, help='queries per held-out DB track, length and degradation (0: enough for >= 100 per cell)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--lengths', default='1,2,3,5,10', help='query lengths (s), comma-separated')
    p.add_argument('--sr', type=int, default=16000, help='sample rate of the decoded tracks and query files (audfprint analyses up to 5.5 kHz: keep >= 11025)')
    p.add_argument('--include', default='/musics?/', help="regular expression a track's path must match (DB, not-in-DB and calibration folders; '' for all)")
    p.add_argument('--min_dur', type=float, default=20., help='shortest track kept (s)')
    p.add_argument('--min_fp', type=int, default=10, help='tracks kept out of the DB for the false-positive part when --fp_tracks is not given')
    p.add_argument('--fp_per', type=int, default=0, help='excerpts per NOT-in-DB track, length and degradation (0: enough for >= 192 in all)')
    p.add_argument('--audfprint', default='/work/audfprint', help='clone of github.com/dpwe/audfprint ("" to skip it)')
    p.add_argument('--audfprint_python', default='/work/audfprint-venv/bin/python', help='python of the venv audfprint runs in')
    p.add_argument('--densities', default='default,100', help="audfprint densities to run, comma-separated ('default': its own, 20 hashes/s)")
    p.add_argument('--jobs', type=int, default=2, help='parallel audfprint processes')
    p.add_argument('--work', default='bench_real_music_work', help='cache folder (tracks, queries, DBs)')
    p.add_argument('--out', default='bench_real_music_out', help='folder for the JSON and the plotly HTML')
    a = p.parse_args(); a.lengths = [int(L) if float(L).is_integer() else float(L) for L in a.lengths.split(',')]
    work, outd = Path(a.work).resolve(), Path(a.out); work.mkdir(parents=True, exist_ok=True); outd.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    pool = decoded_tracks(a.db_tracks or DEF_DB, work, a.sr, a.min_dur, 'db', a.include)
    names = [sorted(pool)[i] for i in np.random.default_rng(a.seed).permutation(len(pool))]
    if a.fp_tracks: n_db, fpool = min(a.n, len(names)), decoded_tracks(a.fp_tracks, work, a.sr, a.min_dur, 'fp', a.include)
    else:
        n_db = min(a.n, len(names) - a.min_fp); fpool = {k: pool[k] for k in names[n_db:]}
        fpool.update(decoded_tracks([d for d in DEF_VAL if Path(d).is_dir()], work, a.sr, a.min_dur, 'fp', a.include))
    db = {k: pool[k] for k in sorted(names[:n_db])}
    dis = {}
    if n_db < a.n and [d for d in (a.distractors or DEF_DISTRACT) if d]:
        dpool = decoded_tracks([d for d in (a.distractors or DEF_DISTRACT) if d], work, a.sr, a.min_dur, 'distractors', a.include)
        dn = [sorted(dpool)[i] for i in np.random.default_rng(a.seed + 1).permutation(len(dpool))][:a.n - n_db]
        dis = {k: dpool[k] for k in sorted(dn) if k not in db}
    if n_db + len(dis) < a.n: print(f'only {n_db} held-out and {len(dis)} distractor tracks: a DB of {n_db + len(dis)}', file=sys.stderr)
    fp = sorted(fpool.items())
    a.fp_per = a.fp_per or max(1, int(np.ceil(192/(4*len(fp)))))
    a.per_track = a.per_track or max(1, int(np.ceil(100/len(db))))
    noise_files = scan(a.noise or DEF_NOISE, 2.)
    man = make_queries(db, fp, noise_files, work, a)
    qs, fqs = man['queries'], man['fp']
    in_db = {song(k) for k in db} | {song(k) for k in dis}; fqs = [q for q in fqs if song(q['track']) not in in_db]   # another render of a DB song is not "not in the DB"
    if len(fqs) < len(man['fp']): print(f"{len(man['fp']) - len(fqs)} not-in-DB excerpts left out: another copy of their song is in the DB", file=sys.stderr)
    fp = sorted({q['track'] for q in fqs})
    db_files = list(db.values()) + list(dis.values())
    hours = sum(os.path.getsize(f) - 44 for f in db.values())/2/a.sr/3600; db_hours = sum(os.path.getsize(f) - 44 for f in db_files)/2/a.sr/3600
    print(f'DB: {len(db_files)} tracks, {db_hours:.2f} h ({len(db)} held-out tracks queried, {hours:.2f} h; {len(dis)} distractors from training packages); '
          f'{len(qs)} queries ({a.per_track} per track, length and degradation); {len(fqs)} excerpts of {len(fp)} tracks not in the DB; {len(noise_files)} noise files')

    val = [str(f) for f in scan([d for d in (a.calib_val or DEF_VAL) if Path(d).is_dir()], a.min_dur, a.include) if f.suffix.lower() not in MODULE_EXTS]
    odb, odir = ours_db(db_files, val, work, a)
    info = odb.info(); cal = ours_calibration(odb)
    preds = {'nafp ' + a.checkpoint: ours_identify(odb, [q['file'] for q in qs], odir)}
    fp_ours = ours_identify(odb, [q['file'] for q in fqs], odir)
    res = dict(args=vars(a), db_tracks=len(db_files), queried_tracks=len(db), hours=db_hours, n_queries=len(qs), storage={}, calibration=cal)
    res['storage']['nafp'] = dict(d=info['d'], fingerprints_per_s=info['rows']/(info['hours']*3600), bytes=info['bytes'],
                                  bytes_per_hour=info['bytes']/info['hours'], build_s=float((odir/'build_s').read_text()))
    fp_audf = None
    if a.audfprint:
        for dens in [None if d == 'default' else int(d) if float(d).is_integer() else float(d) for d in a.densities.split(',') if d]:
            name = 'audfprint' + ('' if dens is None else f' --density {dens:g}')
            f = audf_db(db_files, dens, work, a)
            if dens is None: fp_audf = audf_match(f, [q['file'] for q in fqs], a)
            preds[name] = audf_match(f, [q['file'] for q in qs], a, dens)
            res['storage'][name] = dict(bytes=f.stat().st_size, bytes_per_hour=f.stat().st_size/db_hours)

    quiet = silent_queries(qs, a.sr)   # the same queries are left out for every system
    if quiet: print(f'{len(quiet)} queries left out of every score: their excerpt is mostly digital silence (a track\'s silent tail)')
    sq = [q for i, q in enumerate(qs) if i not in quiet]
    rows = {s: score(sq, [p for i, p in enumerate(pr) if i not in quiet]) for s, pr in preds.items()}
    res['n_scored'], res['n_silent'] = len(sq), len(quiet)
    tabs = {w: table(rows, w, a.lengths) for w in ('song', 'offset')}
    res['song_top1'], res['offset_top1'] = tabs['song'], tabs['offset']
    res['accepted_top1'] = table(rows, 'accepted', a.lengths)   # right song and accepted (audfprint: any reported match counts as accepted)
    res['per_query'] = dict(queries=[dict(track=q['track'], deg=q['deg'], len=q['len'], offset=round(q['offset'], 4)) for q in sq],
                            hits={s: {w: ''.join('1' if r[w] else '0' for r in rs) for w in ('song', 'offset', 'accepted')} for s, rs in rows.items()})   # for pool_real_music.py: paired comparisons over draws
    # false positives (tracks not in the DB) and acceptance of correct queries
    ours = rows['nafp ' + a.checkpoint]
    fquiet = silent_queries(fqs, a.sr)   # a silent excerpt is rejected by anything: no test of the threshold
    if fquiet: print(f'{len(fquiet)} not-in-DB excerpts left out: mostly digital silence')
    keep = lambda xs: None if xs is None else [x for i, x in enumerate(xs) if i not in fquiet]
    fqs, fp_ours, fp_audf = keep(fqs), keep(fp_ours), keep(fp_audf)
    fpr = dict(n=len(fqs), tracks=len(fp), nafp=float(np.mean([p['in_db'] is not False for p in fp_ours])),
               nafp_estimate=None if cal is None else cal['fpr'], calibrated=cal is not None)
    fpr['nafp_by'] = {f'{d} {L}s': float(np.mean([p['in_db'] is not False for q, p in zip(fqs, fp_ours) if q['deg'] == d and q['len'] == L]))
                      for d in ('clean', 'mp3') for L in (5, 10)}
    fpr['nafp_accepted'] = [dict(query=Path(q['file']).name, matched=p['track'], confidence=p['confidence']) for q, p in zip(fqs, fp_ours) if p['in_db'] is not False]
    if fp_audf is not None:
        fpr['audfprint'] = float(np.mean([p['track'] is not None for p in fp_audf]))
        fpr['audfprint_accepted'] = [dict(query=Path(q['file']).name, matched=p['track'], count=p['count']) for q, p in zip(fqs, fp_audf) if p['track'] is not None]
    acc = {}
    for d in DEGS:
        for L in a.lengths:
            sel = [r for r in ours if r['deg'] == d and r['len'] == L]; ok = [r for r in sel if r['song']]
            e = dict(nafp_accepted_of_correct=float(np.mean([r['in_db'] is not False for r in ok])) if ok else None,
                     nafp_correct_and_accepted=float(np.mean([r['song'] and r['in_db'] is not False for r in sel])))
            if 'audfprint' in rows: e['audfprint_correct_and_accepted'] = float(np.mean([r['song'] for r in rows['audfprint'] if r['deg'] == d and r['len'] == L]))
            acc[f'{d} {L}s'] = e
    res['false_positive'], res['acceptance'] = fpr, acc
    res['wall_s'] = time.time() - t_start
    write_json(outd/'bench_real_music.json', res)
    figure(tabs, a.lengths, outd/'bench_real_music.html')

    print(f"\n{md_table(tabs['song'], a.lengths, 'Song top-1, best guess')}\n\n{md_table(tabs['offset'], a.lengths, 'Offset top-1 (|error| <= 0.5 s), best guess')}\n")
    for s, st in res['storage'].items():
        print(f"storage {s}: {st['bytes_per_hour']/2**20:.2f} MiB per hour of audio" + (f" (d={st['d']}, {st['fingerprints_per_s']:.1f} fingerprints/s)" if 'd' in st else ''))
    est = 'no calibration in the DB: every query is reported as a match' if cal is None else f"calibration's estimate {_pct(cal['fpr'])} %" + (f" (range over redrawn tracks {' / '.join(f'{100*a:.1f}-{100*b:.1f}' for a, b in cal['fpr_range'])} %)" if cal.get('fpr_range') else '') + f" (threshold {_num(cal['threshold'])}, {cal['n_pos']}/{cal['n_neg']} excerpts)"
    print(f"\nFalse positives on {len(fqs)} excerpts (5/10 s, clean/MP3) of {len(fp)} tracks not in the DB: nafp {100*fpr['nafp']:.1f} % ({est})"
          + (f"; audfprint default {100*fpr['audfprint']:.1f} %" if 'audfprint' in fpr else ''))
    print('  nafp by kind: ' + ', '.join(f'{k} {100*v:.1f} %' for k, v in fpr['nafp_by'].items()))
    print(f"\n{md_table(res['accepted_top1'], a.lengths, 'Right song and accepted (nafp: its calibrated accept/reject; audfprint: it reported a match)')}")
    print('\nAcceptance of DB-track queries: nafp accepted among correct best guesses / nafp correct and accepted / audfprint default correct match')
    f = lambda v: '  -  ' if v is None else f'{100*v:5.1f}'
    for k, e in acc.items(): print(f"  {k:>16}: {f(e['nafp_accepted_of_correct'])} % / {f(e['nafp_correct_and_accepted'])} % / {f(e.get('audfprint_correct_and_accepted'))} %")
    print(f"\nwrote {outd/'bench_real_music.json'} and {outd/'bench_real_music.html'} ({res['wall_s']/60:.1f} min)")

def _pct(v): return ' / '.join(f"{100*x:.1f}" for x in v) if isinstance(v, (list, tuple)) else f"{100*v:.1f}"   # per query length, or one value
def _num(v): return ' / '.join(f"{x:.3f}" for x in v) if isinstance(v, (list, tuple)) else f"{v:.3f}"

if __name__ == '__main__': main()

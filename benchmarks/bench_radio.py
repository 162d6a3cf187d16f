"""Radio hour: span and frame precision/recall of the timeline `nafp identify` gives for a long recording.

Builds a recording (default 60 min) of excerpts (20-90 s, never longer than the track) of tracks
in the DB and tracks not in it, cross-faded over 1-3 s, with talk between some songs, and its
true timeline (`timeline.make_radio`). Talk is babble rendered from the SoundFont's recorded
voice programs (choir, voice oohs; `ambience.texture`) cut into syllables and words by a 3-6 Hz
amplitude modulation and pauses, plus espeak-ng speech when that program is installed.
Then `nafp index build` makes a DB of the DB tracks with the shipped model (calibrated on
`--val` songs, which are not in the recording), `nafp identify --json` scans the recording, and
its spans are scored: span precision/recall (a predicted span is correct when its track matches
and both boundaries lie within --tol s of a true span's, whose boundaries are at the middle of
each cross-fade) and frame precision/recall (1 s frames; either track counts inside a fade),
as printed by identify and after `timeline.merge_spans`.

Sources: by default the offline corpus (built in WORKDIR/corpus: test DB tracks in the DB, dummy
tracks not in it, validation tracks for the calibration), so it runs anywhere. Real music:

    python benchmarks/bench_radio.py --music /work/realmusic/x/supertuxkart-data /work/realmusic/x/megaglest-data \\
        --other /work/realmusic/x/flare-game /work/realmusic/x/fillets-ng-data --val /work/realmusic/x/extremetuxracer-data

    python benchmarks/bench_radio.py [--minutes 60] [--workdir DIR] [--seed 0] [--tol 2]
"""
import argparse, hashlib, json, os, shlex, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

SR = 8000

def _cores(n=2):
    try: os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    except (AttributeError, OSError): pass

def nafp(*args):
    "Run `nafp ARGS` (the installed command), failing loudly with its stderr."
    cmd = [sys.executable, '-c', 'import sys; from neural_audio_fp.cli.commands import main; sys.exit(main())', *map(str, args)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: sys.exit(f"nafp {shlex.join(map(str, args))} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout, time.perf_counter() - t0

# -- the two calls whose output format may change: keep them here
def build_db(db:Path, source:Path, log_root:Path, val:Path)->float:
    "`nafp index build` of `source` with the shipped model, calibrated on `val`; seconds taken."
    from neural_audio_fp.model.pretrained import install_pretrained
    run, _ = install_pretrained('tiny', log_root)
    out, t = nafp('index', 'build', db, '--source', source, '--checkpoint', run, '--log_root', log_root, '--val', val)
    print(out.strip())
    return t

def identify_timeline(recording:Path, db:Path, log_root:Path)->tuple:
    "The matches `nafp identify --json` reports for `recording`: [{'track': path, 'start','end','offset','score','accepted'}], seconds."
    out, t = nafp('identify', recording, '--db', db, '--log_root', log_root, '--json')
    res = json.loads(out); res = res[0] if isinstance(res, list) else res
    ms = [dict(track=str(Path(m['path']).resolve()), start=m['start'], end=m['end'], offset=m['offset'], score=m.get('score', 0.),
               accepted=m.get('accepted', m.get('in_db'))) for m in res['matches'] if m.get('path')]
    return ms, t

# -- sources
def offline_sources(work:Path, minutes:float, seed:int)->tuple:
    "(DB folder, not-in-DB files, calibration folder) from an offline corpus sized for the recording."
    from neural_audio_fp.corpus.build import build_corpus
    n = max(6, int(minutes*60/40*.6) // 2)   # 60 s tracks, 20-60 s excerpts: each track plays about twice
    root = build_corpus(work/'corpus', n_train=1, n_val=10, n_test=n, n_dummy=n, n_bg=2, n_ir=2, seed=seed, dur=60.,
                        n_speech=0, workers=2)
    one = lambda pat: next((root/'music').glob(pat))
    return one('test-query-db-*/db'), sorted(one('test-dummy-db-*').rglob('*.wav')), one('val-query-db-*')

def real_sources(work:Path, music:list, other:list, val:list, min_dur:float=20.)->tuple:
    "(folder of links to the DB tracks, not-in-DB files, folder of links to the calibration songs): files of at least `min_dur` s."
    import soundfile as sf
    from neural_audio_fp.audio.io import list_audio
    def dur(f):
        try: return sf.info(str(f)).duration
        except Exception: return 0.   # unreadable (e.g. a video in an .ogg): not music we can play
    def pick(dirs):   # long enough, one file per content (packages ship byte-identical copies)
        fs, seen = [f for d in dirs for f in list_audio(d)], set()
        fs = [f for f in fs if dur(f) >= min_dur]
        return [f for f in fs if not (h := hashlib.sha1(Path(f).read_bytes()).hexdigest()) in seen and not seen.add(h)]
    def link(files, d):
        d.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(files):
            p = d/f'{i:04d}_{Path(f).name}'
            if not p.exists(): p.symlink_to(Path(f).resolve())
        return d
    return link(pick(music), work/'db_tracks'), pick(other), link(pick(val), work/'val_tracks')

def babble(dur:float, rng:np.random.Generator)->np.ndarray:
    "Speech-like noise: SoundFont voice babble cut into syllables (3-6 Hz) and words, with espeak-ng speech when installed."
    from neural_audio_fp.corpus.ambience import texture, espeak_available, speech
    n = int(dur*SR); t = np.arange(n)/SR
    x, _ = texture('babble', dur, rng, SR); x = np.asarray(x, np.float32)[:n]
    syl = (.5*(1 + np.sin(2*np.pi*rng.uniform(3, 6)*t + rng.uniform(0, 2*np.pi))))**2
    words = np.repeat(rng.random(int(dur*3) + 1) < .75, SR//3)[:n]   # ~1/3 s words with pauses
    x = x*syl*np.pad(words, (0, n - len(words))).astype(np.float32)
    if espeak_available(): sp = speech(dur, rng, SR); x = .5*x/(np.std(x) + 1e-9) + sp/(np.std(sp) + 1e-9)
    return x.astype(np.float32)

def load(files)->dict:
    from neural_audio_fp.audio.io import load_audio
    return {str(Path(f).resolve()): load_audio(f, sr=SR) for f in files}

def report(name:str, pred:list, truth:list, duration:float, tol:float):
    "Span scores against the true spans cut at the middle of each cross-fade; frame scores accept either track in a fade."
    from neural_audio_fp.identify.timeline import span_scores, frame_scores, split_fades
    s, f = span_scores(pred, split_fades(truth), tol), frame_scores(pred, truth, duration)
    print(f"{name:<34} {s['precision']:>8.3f} {s['recall']:>8.3f} {f['precision']:>9.3f} {f['recall']:>9.3f} {s['n_pred']:>7d}")
    return s, f

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--minutes', type=float, default=60., help='length of the recording')
    p.add_argument('--music', nargs='+', help='folders of real music put in the DB (default: the offline corpus)')
    p.add_argument('--other', nargs='+', help='folders of real music played but not in the DB (with --music)')
    p.add_argument('--val', nargs='+', help='folders of songs, in neither, to calibrate the DB on (with --music)')
    p.add_argument('--workdir', default=None, help='keep the corpus, recording, DB and results here (default: a temporary folder)')
    p.add_argument('--seed', type=int, default=0, help='seed of the corpus and the recording')
    p.add_argument('--tol', type=float, default=2., help='span boundary tolerance (s)')
    p.add_argument('--cores', type=int, default=2)
    a = p.parse_args(); _cores(a.cores)
    if a.music and not (a.other and a.val): p.error('--music needs --other (not-in-DB music) and --val (calibration songs)')
    os.environ.setdefault('NAFP_NO_PROGRESS', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    from neural_audio_fp.audio.io import list_audio, write_wav
    from neural_audio_fp.identify.timeline import make_radio, merge_spans, span_scores, split_fades
    work = Path(a.workdir or tempfile.mkdtemp(prefix='bench_radio_')); work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    src, others, val = (real_sources(work, a.music, a.other, a.val) if a.music else offline_sources(work, a.minutes, a.seed))
    db_files = list_audio(src)
    y, truth = make_radio(load(db_files), load(others), babble, duration=a.minutes*60, sr=SR, seed=a.seed)
    rec = work/'radio.wav'; write_wav(rec, y, SR)
    (work/'truth.json').write_text(json.dumps(truth, indent=1))
    kinds = {k: sum(t['kind'] == k for t in truth) for k in ('db', 'out', 'talk')}
    print(f"recording {rec}: {a.minutes:g} min, {kinds['db']} excerpts of {len({t['track'] for t in truth if t['track']})} of the "
          f"{len(db_files)} DB tracks, {kinds['out']} of music not in the DB ({len(others)} tracks), {kinds['talk']} talk; "
          f"made in {time.perf_counter() - t0:.0f} s")
    db, logs = work/'db', work/'logs'
    if not db.exists(): print(f"DB built in {build_db(db, src, logs, val):.0f} s")
    ms, t_id = identify_timeline(rec, db, logs)
    (work/'identify.json').write_text(json.dumps(ms, indent=1))
    print(f"identify: {len(ms)} spans in {t_id:.0f} s ({a.minutes*60/t_id:.0f}x real time, model load included)\n")
    print(f"{'timeline':<34} {'span P':>8} {'span R':>8} {'frame P':>9} {'frame R':>9} {'spans':>7}   (tolerance +-{a.tol:g} s)")
    report('identify, as printed', [m for m in ms if m['accepted'] is not False], truth, a.minutes*60, a.tol)
    s, _ = report('identify + timeline.merge_spans', merge_spans(ms), truth, a.minutes*60, a.tol)
    report('true timeline (check)', truth, truth, a.minutes*60, a.tol)
    for tol in (3*a.tol/2, 5*a.tol/2):
        r = span_scores(merge_spans(ms), split_fades(truth), tol)
        print(f"{f'  merged, tolerance +-{tol:g} s':<34} {r['precision']:>8.3f} {r['recall']:>8.3f}")
    print(f"\n{s['n_true']} true DB spans (boundaries at the middle of cross-fades); results in {work}")

if __name__ == '__main__': main()

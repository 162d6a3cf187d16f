"""Peak memory of reading and segmenting a long recording: whole-file vs streaming.

A 2 h file is made at run time in a temporary folder (never committed): by default synthetic
44.1 kHz stereo 16-bit WAV (tones, a slow sweep and noise; 1.3 GB on disk), or, with `--real DIR`,
the audio files of DIR concatenated (re-encoded with ffmpeg) and repeated up to the length.
Each reader runs in a fresh child process and reports its peak resident memory (ru_maxrss), the
memory after its imports, the time, and a checksum of the segments (count and per-segment
energies), which must agree between the two paths:

- `whole`:  `segment(load_audio(f))`, the path `index add` and `identify` use today;
- `stream`: `for s in stream_segments(f)`, blocks of `--block_s` seconds (`audiostream`).

Then the commands themselves, each in a fresh process whose peak RSS is read with `wait4`:
`nafp index add DB FILE --n_calib 0` (into a DB of one short track), `nafp index calibrate DB`
(small: `--n_calib 2 --n_neg 2`, which excerpts the long track) and `nafp identify --db DB FILE`,
for each `--checkpoints` model (`random:0`: no TensorFlow; `pretrained-tiny`: the shipped model,
whose TensorFlow runtime alone takes ~0.6-0.8 GB), on the long file and on a 10 s file (the
part of the peak that does not depend on the length).

    python benchmarks/bench_memory.py                              # 2 h synthetic WAV (~2 min on 2 cores)
    python benchmarks/bench_memory.py --minutes 10 --format flac   # quick
    python benchmarks/bench_memory.py --real /work/realmusic/x/flare-game --format ogg
    python benchmarks/bench_memory.py --skip_readers --checkpoints random:0   # commands only
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

def make_synthetic(path:Path, minutes:float, rate:int, channels:int, fmt:str, seed:int=0):
    "Write `minutes` of tones + sweep + noise, one minute at a time (constant memory; each minute at its own gain)."
    import soundfile as sf
    rng, n, blk = np.random.default_rng(seed), int(minutes * 60 * rate), 60 * rate
    t = np.arange(blk) / rate
    x = .2 * np.sin(2 * np.pi * 440 * t) + .2 * np.sin(2 * np.pi * (300 + 50 * t) * t) + .05 * rng.standard_normal(blk)
    x = np.stack([x * (1 - .3 * c) for c in range(channels)], 1).astype(np.float32)
    sub = dict(wav='PCM_16', flac='PCM_16', ogg='VORBIS')[fmt]
    with sf.SoundFile(str(path), 'w', rate, channels, subtype=sub, format=fmt.upper()) as f:
        for i in range(0, n, blk): f.write(x[:n - i] * np.float32(.5 + .5 * rng.random()))

def make_real(path:Path, folder:Path, minutes:float, rate:int, channels:int):
    "Concatenate the audio files of `folder`, repeated up to `minutes`, with ffmpeg."
    from neural_audio_fp.audio.io import list_audio
    import soundfile as sf
    files = list_audio(folder)
    if not files: sys.exit(f'{folder}: no audio files')
    total, lst = 0., []
    while total < minutes * 60:
        for f in files:
            lst.append(f); total += sf.info(str(f)).duration
            if total >= minutes * 60: break
    listing = path.with_suffix('.txt')
    listing.write_text(''.join(f"file '{f}'\n" for f in lst))
    subprocess.run(['ffmpeg', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', str(listing), '-t', str(minutes * 60),
                    '-ac', str(channels), '-ar', str(rate), str(path)], check=True)

def child(mode:str, path:str, block_s:float):
    "Run one reader; print JSON with peak RSS, RSS after imports, time and checksum."
    from neural_audio_fp.audio.io import load_audio, segment
    from neural_audio_fp.audio.stream import stream_segments
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, energies = time.time(), []
    if mode == 'whole': energies.append(np.square(segment(load_audio(path)), dtype=np.float64).sum(1))
    else:
        for s in stream_segments(path, block_s=block_s): energies.append(np.square(s, dtype=np.float64).sum(1))
    e = np.concatenate(energies)
    print(json.dumps(dict(mode=mode, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, import_mb=rss0,
                          secs=time.time() - t0, n_seg=len(e), energy=e.tolist())))

TIME = '/usr/bin/time'   # GNU time (apt: time)

def commands(long:Path, tmp:Path, checkpoints:list, engines:list=('numpy',)):
    "Peak RSS of `nafp index add`, `nafp index calibrate` and `nafp identify` on `long` and on a 10 s file, per checkpoint and engine (`NAFP_ENGINE`)."
    import soundfile as sf
    nafp = shutil.which('nafp') or 'nafp'
    if not Path(TIME).is_file(): sys.exit(f'{TIME} (GNU time) is needed to measure the commands; apt install time, or pass --checkpoints ""')
    short = tmp/'short.wav'
    sf.write(short, (.2 * np.random.default_rng(1).standard_normal(80000)).astype(np.float32), 8000)
    seed = tmp/'seed'; seed.mkdir(exist_ok=True)
    sf.write(seed/'seed.wav', (.2 * np.random.default_rng(2).standard_normal(8000 * 20)).astype(np.float32), 8000)
    print(f"{'checkpoint':>20} {'engine':>10} {'command':>16} {'file':>6} {'peak RSS':>10} {'time':>8}")
    for ck in checkpoints:
      for eng in (engines if not ck.startswith('random') else ['-']):
        for name, f in (('10 s', short), ('long', long)):
            db = tmp/f"db-{ck.replace(':', '_')}-{name.replace(' ', '')}"
            if db.exists(): shutil.rmtree(db)
            r = subprocess.run([nafp, 'index', 'build', str(db), '--source', str(seed), '--checkpoint', ck, '--n_calib', '0'], capture_output=True, text=True)
            if r.returncode: sys.exit(f'index build failed:\n{r.stderr}')
            for cmd, args in (('index add', ['index', 'add', str(db), str(f), '--n_calib', '0']),
                              ('index calibrate', ['index', 'calibrate', str(db), '--n_calib', '2', '--n_neg', '2']),
                              ('identify', ['identify', '--db', str(db), str(f), '--json'])):
                t0 = time.time()
                with open(tmp/'out.txt', 'wb') as o, open(tmp/'err.txt', 'wb') as e:    # files: a long answer cannot fill a pipe
                    # through /usr/bin/time: a child forked from this (large) process would start with its peak RSS
                    r = subprocess.run([TIME, '-f', 'PEAK_KB %M', nafp, *args], stdout=o, stderr=e, env={**os.environ, 'NAFP_NO_PROGRESS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2', **({'NAFP_ENGINE': eng} if eng != '-' else {})})
                err = (tmp/'err.txt').read_text()
                if r.returncode: sys.exit(f"nafp {cmd} failed:\n{err[-2000:]}")
                peak = int([l for l in err.splitlines() if l.startswith('PEAK_KB ')][-1].split()[1]) / 1024
                print(f"{ck:>20} {eng:>10} {cmd:>16} {name:>6} {peak:8,.0f} MB {time.time() - t0:7.1f} s", flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--minutes', type=float, default=120.)
    ap.add_argument('--rate', type=int, default=44100)
    ap.add_argument('--channels', type=int, default=2)
    ap.add_argument('--format', choices=('wav', 'flac', 'ogg'), default='wav')
    ap.add_argument('--real', type=Path, default=None, help='concatenate the audio files of this folder instead of synthesising')
    ap.add_argument('--block_s', type=float, default=30.)
    ap.add_argument('--skip_readers', action='store_true', help='only the commands (add, calibrate, identify)')
    ap.add_argument('--checkpoints', default='random:0,pretrained-tiny_real', help="models for the commands ('' : none)")
    ap.add_argument('--engines', default='numpy,tensorflow', help="how a stored model runs (NAFP_ENGINE), each measured")
    ap.add_argument('--child', nargs=2, metavar=('MODE', 'FILE'), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(*a.child, a.block_s)
    tmp = Path(tempfile.mkdtemp(prefix='bench-memory-'))
    try:
        f, t0 = tmp/f'long.{a.format}', time.time()
        if a.real: make_real(f, a.real, a.minutes, a.rate, a.channels)
        else: make_synthetic(f, a.minutes, a.rate, a.channels, a.format)
        print(f"{a.minutes:g} min, {a.rate} Hz, {a.channels} ch {a.format.upper()} ({'real: ' + str(a.real) if a.real else 'synthetic'}): "
              f"{f.stat().st_size / 2**20:,.0f} MB on disk, made in {time.time() - t0:.0f} s")
        if a.checkpoints: commands(f, tmp, [c for c in a.checkpoints.split(',') if c], [e for e in a.engines.split(',') if e])
        if a.skip_readers: return
        res = {}
        for mode in ('whole', 'stream'):
            out = subprocess.run([sys.executable, __file__, '--child', mode, str(f), '--block_s', str(a.block_s)],
                                 capture_output=True, text=True, env={**os.environ, 'NAFP_NO_PROGRESS': '1'})
            if out.returncode: sys.exit(f'{mode} failed:\n{out.stderr}')
            res[mode] = r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{mode:>6}: peak RSS {r['peak_mb']:7,.0f} MB (imports {r['import_mb']:.0f} MB), {r['secs']:6.1f} s, {r['n_seg']:,} segments")
        w, s = (np.array(res[m]['energy']) for m in ('whole', 'stream'))
        same = len(w) == len(s) and np.allclose(w, s, rtol=1e-5, atol=1e-5)
        print(f"segments identical (energies within 1e-5): {same}; peak memory {res['whole']['peak_mb'] / res['stream']['peak_mb']:.1f}x lower streaming")
        if not same: sys.exit(1)
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()

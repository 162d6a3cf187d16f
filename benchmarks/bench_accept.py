"""Accept/reject on real music: false positives on tracks not in the DB, acceptance of correct answers on tracks in it.

Builds a `FingerprintDB` from the real-music tracks (>= 20 s) of the `--db` packages with the
shipped model, calibrates it the default way (no user songs: the DB's own tracks against
rendered music), then identifies:

- excerpts of 5 s and 10 s, clean and MP3 (24 kbit/s, another rate than calibration's), of the
  tracks of the `--out` packages (not in the DB): the share accepted is the measured
  false-positive rate, printed beside the calibration's own estimate;
- excerpts of 1 s, 5 s and 10 s, clean, MP3 and in a simulated room (reverb), of DB tracks: the
  share of correct best answers (right track, offset within 0.5 s), and the share of those accepted.

    python benchmarks/bench_accept.py --db supertuxkart-data --out megaglest-data,flare-game,fillets-ng-data \
        [--root /work/realmusic/x] [--work DIR] [--speeds 0.96,0.98,1,1.02,1.04]

Real music is not shipped: point `--root` at folders of packages (one folder per package,
audio files anywhere below).
"""
import argparse, os, shutil, tempfile, time
from pathlib import Path
import numpy as np

def tracks(root, pkgs, min_dur=20.):
    "Audio files >= `min_dur` seconds under root/PKG for each package."
    import soundfile as sf
    out = []
    for p in pkgs:
        for f in sorted((Path(root)/p).rglob('*')):
            if f.suffix.lower() not in ('.ogg', '.wav', '.flac', '.mp3'): continue
            try: i = sf.info(str(f))
            except Exception: continue
            if i.frames/i.samplerate >= min_dur: out.append(f)
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default='/work/realmusic/x', help='folder of packages of real music')
    p.add_argument('--db', default='supertuxkart-data', help='packages whose tracks go into the DB (comma-separated)')
    p.add_argument('--out', default='megaglest-data,flare-game,fillets-ng-data', help='packages of tracks not in the DB')
    p.add_argument('--n_out', type=int, default=40, help='tracks not in the DB queried')
    p.add_argument('--n_in', type=int, default=40, help='DB tracks queried')
    p.add_argument('--checkpoint', default='pretrained-tiny_real', help="model: 'pretrained-NAME' or a run NAME[:INDEX] under --log_root")
    p.add_argument('--log_root', default='./logs/', help='LOG_ROOT_DIR of a trained run')
    p.add_argument('--fpr', type=float, default=.01)
    p.add_argument('--speeds', default=None, help='search each query at these speed factors (identify --speeds)')
    p.add_argument('--work', default=None, help='work folder (default: a temporary one, removed)')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--recalibrate', action='store_true', help='calibrate a DB reopened from --work again')
    a = p.parse_args()
    os.environ.setdefault('NAFP_NO_PROGRESS', '1')
    from neural_audio_fp.audio.io import load_audio
    from neural_audio_fp.db.database import FingerprintDB, checkpoint_embedder
    from neural_audio_fp.identify.calibration import calibrate, calibration_report, degrade, mp3_roundtrip
    from neural_audio_fp.identify.lookup import identify
    work = Path(a.work or tempfile.mkdtemp()); rng = np.random.default_rng(a.seed)
    speeds = tuple(float(s) for s in a.speeds.split(',')) if a.speeds else None
    db_files = tracks(a.root, a.db.split(','))
    out_files = tracks(a.root, a.out.split(','))
    out_files = [out_files[i] for i in np.sort(rng.choice(len(out_files), min(a.n_out, len(out_files)), replace=False))]
    print(f"DB: {len(db_files)} tracks of {a.db}; not in the DB: {len(out_files)} tracks of {a.out}")
    t = time.time()
    dbp = work/'db'
    reopened = (dbp/'CURRENT').exists()
    if reopened: db = FingerprintDB(dbp)
    else:
        db = FingerprintDB.create(dbp, checkpoint_embedder(a.checkpoint, log_root=a.log_root)); db.add(db_files)
    print(f"built {db} in {time.time() - t:.0f} s"); t = time.time()
    from neural_audio_fp.identify.lookup import load_calibration
    cal = load_calibration(db) if reopened and not a.recalibrate else None
    cal = cal or calibrate(db, fpr=a.fpr)
    print(calibration_report(cal)); print(f"calibrated in {time.time() - t:.0f} s")
    fs = 8000
    from neural_audio_fp.corpus.ambience import room_ir
    irs = [room_ir([a.seed, 99, i], fs)[0] for i in range(8)]     # other rooms than calibration's
    def variants(x, seed):
        return dict(clean=x, mp3=mp3_roundtrip([x], fs, 24)[0], reverb=degrade(x, 'reverb', rng, irs))
    def ask(x):
        return identify(db, x, speeds=speeds)['matches'][0] if speeds else identify(db, x)['matches'][0]
    # not in the DB
    fp, accepted = {}, []
    for i, f in enumerate(out_files):
        x = load_audio(f, sr=fs)
        for d in (5, 10):
            s = int(rng.integers(0, len(x) - d*fs)); v = variants(x[s:s + d*fs], i)
            for k in ('clean', 'mp3'):
                m = ask(v[k]); fp.setdefault((d, k), []).append(bool(m['in_db']))
                if m['in_db']: accepted.append(f"  {Path(f).name} ({d} s {k} from {s/fs:.1f} s) -> {Path(m['path']).name} at {m['offset']:.1f} s, confidence {m['confidence']:.2f}, " + ", ".join(f"{n} {v:.2f}" for n, v in m['evidence'].items()))
    k_of = lambda d: cal._k(int(round((d - 1)/.5)) + 1)
    print("\nnot in the DB (measured false-positive rate vs the calibration's estimate):")
    for (d, k), v in sorted(fp.items()):
        print(f"  {d:4.0f} s {k:6}  accepted {100*np.mean(v):5.1f}% of {len(v)}   (calibration: {100*cal.fpr[k_of(d)]:.1f}% check, {100*cal.fpr_fit[k_of(d)]:.1f}% fit)")
    allfp = [x for v in fp.values() for x in v]
    print(f"  all: {100*np.mean(allfp):.1f}% of {len(allfp)}")
    if accepted: print("accepted although not in the DB:\n" + "\n".join(accepted))
    # in the DB
    ids = sorted(db.tracks); ids = [ids[i] for i in rng.choice(len(ids), min(a.n_in, len(ids)), replace=False)]
    res = {}
    for i, k in enumerate(ids):
        x = load_audio(db.tracks[k]['path'], sr=fs)
        for d in (1, 5, 10):
            s = int(rng.integers(0, len(x) - d*fs)); v = variants(x[s:s + d*fs], 1000 + i)
            for kind, y in v.items():
                m = ask(y); ok = m['track'] == k and abs(m['offset'] - s/fs) <= .5 + 1e-6
                res.setdefault((d, kind), []).append((ok, ok and m['in_db']))
    print("\nin the DB (correct best answers, and the share of them accepted):")
    for (d, kind), v in sorted(res.items()):
        v = np.array(v); c = v[:, 0].sum()
        print(f"  {d:4.0f} s {kind:6}  correct {100*v[:, 0].mean():5.1f}%  accepted {100*v[:, 1].sum()/max(c, 1):5.1f}% of {c} correct")
    if not a.work: shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__': main()

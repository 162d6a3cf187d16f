"""Real-music identification benchmark: nafp against audfprint (and Olaf) on the same degraded query files.

Held-out tracks (default: the test packages of the real-music split under `--root`, all but `--min_fp`
of them) are decoded to mono WAV at `--sr` and go into a `nafp` fingerprint DB, two audfprint DBs
(default density and `--density 100`; audfprint analyses its queries at the density of the DB) and,
with `--olaf`, an Olaf DB, filled up to `--n` tracks with distractors from the training packages,
which are never queried. From each held-out track, queries of 1, 2, 3, 5 and 10 s start at random
offsets (enough per track for >= 100 queries per cell; one start per track, length and repeat,
shared by all its degradations) and are degraded (`--degs`, default: all of them), written as files
that every system reads:

  clean      the excerpt as it is
  mp3        ffmpeg -i Q.wav -codec:a libmp3lame -b:a 32k Q.mp3
  noise      real noise (`--noise`: megaglest ambience loops, supertuxkart effects) at 5 dB SNR
  reverb_band  simulated room (pyroomacoustics, RT60 0.3-0.8 s) + 4th-order Butterworth 300-3400 Hz
  speed      speed +3 % by resampling (scipy resample_poly 100/103): pitch and tempo together
  tempo      tempo -2 %, pitch kept: ffmpeg -af atempo=0.98
  amb5, amb0   broadband ambience (`--bench_noise`/ambience: rain, wind, traffic, crowds, machines of the
             test packages only) at 5 dB and at 0 dB SNR
  babble5    babble (`--bench_noise`/babble: 4-20 synthetic talkers, flite/festival voices) at 5 dB SNR
  phone      a phone held up to a small loudspeaker in a room: room reverb (as reverb_band), ambience at
             5 dB SNR, 300-3400 Hz band-pass, peak at -6 dBFS, then
             ffmpeg -i Q.wav -af acompressor=threshold=0.05:ratio=6:attack=5:release=100:makeup=2
                    -codec:a libmp3lame -b:a 24k Q.mp3
  speed-5, speed+5, speed-10, speed+10   speed -5/+5/-10/+10 % by resampling (resample_poly 100/95,
             100/105, 100/90, 100/110): pitch and tempo together
  pitch-1, pitch+1, pitch-2, pitch+2     pitch -1/+1/-2/+2 semitones, tempo kept:
             ffmpeg -af rubberband=pitch=2^(k/12) (librubberband, default options)
  tempo-10, tempo+10   tempo -10/+10 %, pitch kept: ffmpeg -af atempo=0.9 / atempo=1.1

Every SNR is the power of the excerpt over that of the noise, both over the query (the benchmark
noise is 8 kHz audio: no noise above 4 kHz). A noisy mixture that would clip is scaled down to a
peak of 0.99, except in the first protocol's `noise` row, clipped at full scale as before. The offset of
every query is its true start in the original track (for speed and tempo changes too). Filters that
need context (reverb, atempo, rubberband) are run from up to 1 s (reverb) or 0.5 s before the start,
and the query is cut after it. Queries whose clean excerpt is mostly digital silence (a tracker
module's silent tail) are left out of every system's score, and counted.
Scored with the best guess taken: song top-1 and offset top-1 (|offset error| <= 0.5 s).

Not in the DB: `--fp_n` (600) excerpts per query length (1, 2, 3, 5, 10 s; half clean, half MP3
32 kbit/s) of tracks NOT in the DB: other tracks of the held-out packages (same games, same
composers) kept out of the DB, the validation packages (no model was trained on them), and the
fade-outs of both (an excerpt within the last 8 s of sound of a track). Every system identifies
them; the share it accepts (nafp: its calibrated accept/reject; audfprint and Olaf: any reported
match) is given per length with a 95 % Clopper-Pearson interval, beside the DB calibration's own
estimate. Excerpts of one track are not independent, so the interval is narrower than it would be
for as many tracks. Also reported: right song and accepted, for every degradation and length.

Decoded tracks, queries (one folder per degradation), peer DBs and results are cached under `--work`
in folders named by a hash of their inputs, so a re-run with new weights only rebuilds the nafp DB,
and runs split by `--degs` share everything else.

    python benchmarks/bench_real_music.py --n 100 --seed 0 [--root /work/realmusic2/x] [--degs clean,mp3,...] \\
        [--audfprint /work/peers/audfprint --audfprint_python /work/peers/audfprint-venv/bin/python] [--olaf /work/peers/Olaf]
"""
import argparse, hashlib, json, os, re, shutil, subprocess, sys, tempfile, time, zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np

ROOT = '/work/realmusic2/x'
TEST_PKGS = ('supertuxkart-data', 'megaglest-data', 'pingus-data')   # the held-out split: only their ambience may degrade queries

def defaults(root:str)->dict:
    "Default input folders under the extracted packages `root` (`real_music_recipe.py WORK` -> WORK/x)."
    X = str(root).rstrip('/')
    return dict(db=[f'{X}/supertuxkart-data/usr/share/games/supertuxkart/data/music', f'{X}/megaglest-data', f'{X}/pingus-data'],
                noise=[f'{X}/megaglest-data/usr/share/games/megaglest/tilesets', f'{X}/supertuxkart-data/usr/share/games/supertuxkart/data/sfx'],
                val=[f'{X}/mu-cade-data', f'{X}/extremetuxracer-data'],
                distract=[f'{X}/flare-game', f'{X}/fillets-ng-data', f'{X}/tecnoballz-data'],   # training packages: in the DB, never queried
                bench_noise=str(Path(X).parent/'bench_noise'))

SPEED = {'speed': 1.03, 'speed-5': .95, 'speed+5': 1.05, 'speed-10': .90, 'speed+10': 1.10}   # resampling: pitch and tempo
TEMPO = {'tempo': .98, 'tempo-10': .90, 'tempo+10': 1.10}                                     # ffmpeg atempo: pitch kept
PITCH = {'pitch-1': -1, 'pitch+1': 1, 'pitch-2': -2, 'pitch+2': 2}                            # semitones, ffmpeg rubberband: tempo kept
SNR = {'noise': ('noise', 5.), 'amb5': ('ambience', 5.), 'amb0': ('ambience', 0.), 'babble5': ('babble', 5.)}   # (noise set, dB)
MP3 = {'mp3': (32, None), 'phone': (24, 'acompressor=threshold=0.05:ratio=6:attack=5:release=100:makeup=2')}   # kbit/s, filter before
DEGS = ('clean', 'mp3', 'noise', 'reverb_band', 'speed', 'tempo',           # the first protocol's six, made as before
        'amb5', 'amb0', 'babble5', 'phone', 'speed-5', 'speed+5', 'speed-10', 'speed+10',
        'pitch-1', 'pitch+1', 'pitch-2', 'pitch+2', 'tempo-10', 'tempo+10')
DEG_NAMES = dict(clean='clean', mp3='MP3 32 kbit/s', noise='real noise 5 dB SNR', reverb_band='reverb + 300-3400 Hz',
                 speed='speed +3 % (pitch+tempo)', tempo='tempo -2 % (pitch kept)',
                 amb5='ambience 5 dB SNR', amb0='ambience 0 dB SNR', babble5='babble 5 dB SNR',
                 phone='phone (room, ambience 5 dB, band, compressor, MP3 24k)',
                 **{d: f'speed {100*(f - 1):+.0f} % (pitch+tempo)' for d, f in SPEED.items() if d != 'speed'},
                 **{d: f'pitch {k:+d} semitone{"s"*(abs(k) > 1)} (tempo kept)' for d, k in PITCH.items()},
                 **{d: f'tempo {100*(f - 1):+.0f} % (pitch kept)' for d, f in TEMPO.items() if d != 'tempo'})
FP_DEGS = ('clean', 'mp3')                     # degradations of the not-in-DB excerpts (alternating)
FP_KINDS = dict(same=.4, val=.4, fade=.2)      # share of the not-in-DB excerpts per kind
FADE_S = 8.                                    # a fade-out excerpt lies within the last FADE_S s of sound of its track
MODULE_EXTS = ('.it', '.xm', '.mod', '.s3m')
QUERY_VERSION = 'q3'   # bump when the query generation changes
DECODE_VERSION = 'd2'  # bump when decoding changes
OURS_VERSION = 'o12'    # bump when nafp's DB or calibration changes in a way the weights do not show
OLAF_VERSION = 'l1'     # bump when the Olaf DB build or query changes

def key(*parts)->str:
    "Short hash of JSON-able inputs, used in cache folder names."
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:10]

def seed_of(*parts)->list:
    "Seed words for numpy's default_rng from ints and strings (strings by CRC-32): one independent stream per query."
    return [p if isinstance(p, int) else zlib.crc32(str(p).encode()) for p in parts]

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

def mp3(wav:Path, dst:Path, kbps:int=32, af:str=None):
    "Encode `wav` to MP3 at `kbps` with ffmpeg/libmp3lame, through the audio filter `af` first when given."
    subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', str(wav), *(['-af', af] if af else []),
                    '-codec:a', 'libmp3lame', '-b:a', f'{kbps}k', str(dst)], check=True)

def ffilter(x:np.ndarray, af:str, sr:int)->np.ndarray:
    "`x` through the ffmpeg audio filter graph `af` (float32 in and out, same rate)."
    r = subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-f', 'f32le', '-ar', str(sr), '-ac', '1', '-i', 'pipe:0',
                        '-filter:a', af, '-f', 'f32le', '-ar', str(sr), '-ac', '1', 'pipe:1'],
                       input=np.asarray(x, '<f4').tobytes(), capture_output=True, check=True)
    return np.frombuffer(r.stdout, '<f4')

def atempo(x:np.ndarray, rate:float, sr:int)->np.ndarray:
    "`x` played at `rate` times its tempo, pitch kept, with ffmpeg's `atempo` filter."
    return ffilter(x, f'atempo={rate}', sr)

def pitch_filter(semitones:int)->str:
    "The ffmpeg filter shifting the pitch by `semitones`, tempo kept (librubberband)."
    return f'rubberband=pitch={2**(semitones/12):.6f}'

def mix(y:np.ndarray, pool:list, snr_db:float, rng)->np.ndarray:
    "`y` plus a random stretch of a random clip of `pool` (looped when short) at `snr_db` (powers over the query)."
    n = len(y); z = pool[rng.integers(len(pool))]
    z = np.tile(z, int(np.ceil(n/len(z))) + 1); i = rng.integers(0, len(z) - n + 1); z = z[i:i+n]
    return y + np.sqrt(np.mean(y**2)/(np.mean(z**2) + 1e-12)/10**(snr_db/10))*z

def band(y:np.ndarray, sr:int)->np.ndarray:
    from scipy.signal import butter, sosfilt
    return sosfilt(butter(4, [300, 3400], 'bandpass', fs=sr, output='sos'), y)

def excerpt(x:np.ndarray, s:int, n:int, deg:str, sr:int, rng, noise:dict, irs:list)->np.ndarray:
    """The degraded query of `n` samples whose content starts at sample `s` of track `x` (mp3, phone: the WAV
    before the MP3 encoder). `noise`: {'noise'|'ambience'|'babble': [clips at `sr`]}."""
    from scipy.signal import resample_poly, fftconvolve
    if deg in ('clean', 'mp3'): return x[s:s+n]
    if deg in SNR:             # the first protocol's `noise` row is clipped at full scale as before; the others are scaled down
        y = mix(x[s:s+n], noise[SNR[deg][0]], SNR[deg][1], rng)
        return y if deg == 'noise' else y*min(1., .99/(np.abs(y).max() + 1e-9))
    if deg == 'reverb_band':   # the room hears up to 1 s of music before the query starts
        c = min(s, sr); y = fftconvolve(x[s-c:s+n], irs[rng.integers(len(irs))])[c:c+n]
        return .5*band(y, sr)/(np.abs(band(y, sr)).max() + 1e-9)*max(np.abs(x[s:s+n]).max(), .05)
    if deg == 'phone':         # loudspeaker in a room, room noise, a phone's band; its compressor and codec come in `mp3`
        c = min(s, sr); y = fftconvolve(x[s-c:s+n], irs[rng.integers(len(irs))])[c:c+n]
        y = band(mix(y, noise['ambience'], 5., rng), sr)
        return .5*y/(np.abs(y).max() + 1e-9)
    if deg in SPEED:           # played f times as fast: f*n samples of the original squeezed into n
        f = SPEED[deg]; return resample_poly(x[s:s+int(np.ceil(n*f)) + 200], 100, int(round(100*f)))[:n]
    if deg in TEMPO:           # tempo x f, pitch kept (ffmpeg's atempo, overlap-add): f*n samples of the original into n
        f = TEMPO[deg]; c = min(s, sr//2); y = atempo(x[s-c:s+int(n*f) + sr//2], f, sr)
        i = int(round(c/f)); return y[i:i+n]
    if deg in PITCH:           # pitch shifted, tempo kept: same length, aligned (rubberband's latency is compensated)
        c = min(s, sr//2); y = ffilter(x[s-c:s+n + sr//2], pitch_filter(PITCH[deg]), sr)
        return y[c:c+n]
    raise ValueError(f'unknown degradation {deg!r} (known: {", ".join(DEGS)})')

def sounding_share(x:np.ndarray, sr:int, frame:float=.1, floor:float=1e-4)->float:
    "Share of `x`'s 0.1 s frames above -80 dBFS RMS (digital silence is below)."
    n = max(1, int(frame*sr)); fr = x[:len(x)//n*n].reshape(-1, n)
    return float((np.sqrt((fr**2).mean(1)) > floor).mean()) if len(fr) else 0.

def load_noise(files:list, sr:int)->list:
    from neural_audio_fp.audio.io import load_audio
    z = [load_audio(p, sr=sr) for p in files]
    return [y for y in z if len(y) >= sr and np.std(y) > 1e-4]

def noise_set(deg:str)->str|None:
    "The noise set a degradation mixes in: 'noise', 'ambience', 'babble' or None."
    return SNR[deg][0] if deg in SNR else 'ambience' if deg == 'phone' else None

def noise_sets(a, degs:list)->dict:
    "{set: [files]} of the noise sets `degs` need: 'noise' (`--noise`), 'ambience', 'babble' (`--bench_noise`)."
    out = {}
    for s in sorted({noise_set(d) for d in degs} - {None}):
        dirs = (a.noise or defaults(a.root)['noise']) if s == 'noise' else [str(Path(a.bench_noise)/s)]
        miss = [d for d in dirs if not Path(d).is_dir()]
        if miss: sys.exit(f"noise folder {', '.join(miss)} not found (needed by {', '.join(d for d in degs if noise_set(d) == s)}): "
                          f"give --{'noise' if s == 'noise' else 'bench_noise'}, or leave those degradations out with --degs")
        src = Path(dirs[0])/'sources.json'
        if s == 'ambience' and src.is_file():   # the benchmark's ambience must come from the held-out packages only
            bad = {v.get('package') for v in json.loads(src.read_text()).values()} - set(TEST_PKGS)
            if bad: sys.exit(f"{src}: ambience from {', '.join(sorted(map(str, bad)))}, not a held-out test package ({', '.join(TEST_PKGS)})")
        out[s] = scan(dirs, 2.)
        if not out[s]: sys.exit(f"no audio of >= 2 s in {', '.join(dirs)}")
    return out

# ---------------------------------------------------------------- queries
def query_starts(db:dict, a)->dict:
    "{(track, len, repeat): start sample}: one random start per track, length and repeat, shared by every degradation."
    import soundfile as sf
    sr, out = a.sr, {}
    for n, p in db.items():
        nx = sf.info(p).frames
        for L in a.lengths:
            room = int(np.ceil(L*sr*max(*SPEED.values(), *TEMPO.values()))) + 2*sr   # the fastest change reads 1.1 x the query
            for r in range(a.per_track):
                out[n, L, r] = int(np.random.default_rng(seed_of(a.seed, 'start', n, int(L*1000), r)).integers(sr, max(sr + 1, nx - room)))
    return out

def make_queries(db:dict, degs:list, nsets:dict, work:Path, a)->list:
    """Write the query files of `degs` (one cache folder per degradation, built once for any --degs);
    returns [{'file','track','deg','len','offset','sounding'}]."""
    from neural_audio_fp.audio.io import load_audio, write_wav
    sr = a.sr; base = key(QUERY_VERSION, a.seed, a.lengths, sr, a.per_track, [(n, Path(p).stat().st_size) for n, p in db.items()])
    spec = lambda d: [t.get(d) for t in (SPEED, TEMPO, PITCH, SNR, MP3)] + [[(str(p), p.stat().st_size) for p in nsets[noise_set(d)]] if noise_set(d) else None]
    folder = lambda d: work/f'queries-{base}'/f'{d}-{key(spec(d))}'   # a degradation's own inputs (factor, noise files, codec) in its folder's name
    todo = [d for d in degs if not folder(d).is_dir()]
    if todo:
        starts = query_starts(db, a)
        noise = {s: load_noise(nsets[s], sr) for s in {noise_set(d) for d in todo} - {None}}
        irs = room_irs(30, sr, np.random.default_rng(seed_of(a.seed, 'rooms'))) if {'reverb_band', 'phone'} & set(todo) else []
        tmp = {d: folder(d).with_name(folder(d).name + '.partial') for d in todo}
        for t in tmp.values(): shutil.rmtree(t, ignore_errors=True); t.mkdir(parents=True)
        def one(n):
            x = load_audio(db[n], sr=sr); rows = []
            for L in a.lengths:
                m = int(L*sr)
                for r in range(a.per_track):
                    s = starts[n, L, r]; snd = sounding_share(x[s:s+m], sr)
                    for d in todo:
                        rng = np.random.default_rng(seed_of(a.seed, 'deg', n, int(L*1000), r, d))
                        f = tmp[d]/f'{L}s'/f'{n}-{s}.wav'; f.parent.mkdir(parents=True, exist_ok=True)
                        write_wav(f, np.clip(excerpt(x, s, m, d, sr, rng, noise, irs), -1, 1), sr)
                        if d in MP3: g = f.with_suffix('.mp3'); mp3(f, g, *MP3[d]); f.unlink(); f = g
                        rows.append(dict(file=str(f.relative_to(tmp[d])), track=n, deg=d, len=L, offset=s/sr, sounding=snd))
            return rows
        with ThreadPoolExecutor(a.jobs) as ex:
            rows = [q for rs in bar(ex.map(one, sorted(db)), total=len(db), desc=f'writing queries ({", ".join(todo)})') for q in rs]
        for d in todo:
            write_json(tmp[d]/'manifest.json', [q for q in rows if q['deg'] == d]); os.replace(tmp[d], folder(d))
    out = []
    for d in degs:
        for q in json.loads((folder(d)/'manifest.json').read_text()): out.append(dict(q, file=str(folder(d)/q['file'])))
    return out

def fade_window(x:np.ndarray, sr:int, L:float)->tuple:
    "(first, last) start sample of an `L` s excerpt within the last max(FADE_S, L) s of sound of `x` (trailing digital silence cut)."
    n = int(.1*sr); fr = np.sqrt((x[:len(x)//n*n].reshape(-1, n)**2).mean(1)) > 1e-4
    end = (int(np.nonzero(fr)[0][-1]) + 1)*n if fr.any() else len(x)
    m = int(L*sr); return max(0, end - max(int(FADE_S*sr), m)), max(0, end - m)

def make_fp_queries(fpool:dict, work:Path, a)->list:
    """`--fp_n` excerpts per length of tracks not in the DB: {kind: {track: wav}} with kinds 'same' (held-out
    tracks kept out) and 'val' (validation packages); 'fade' excerpts come from both. Clean and MP3 alternate;
    a start whose excerpt is mostly digital silence is drawn again. Returns [{'file','track','deg','len','offset','kind','sounding'}]."""
    from neural_audio_fp.audio.io import load_audio, write_wav
    sr = a.sr
    pools = dict(same=sorted(fpool['same']), val=sorted(fpool['val']), fade=sorted(fpool['same']) + sorted(fpool['val']))
    wav = fpool['same'] | fpool['val']
    k = key(QUERY_VERSION, 'fp', a.seed, a.lengths, sr, a.fp_n, FP_KINDS, FADE_S, FP_DEGS, [MP3.get(d) for d in FP_DEGS], [(n, Path(wav[n]).stat().st_size) for n in sorted(wav)],
            {k: v for k, v in pools.items()})
    def build(tmp):
        rng = np.random.default_rng(seed_of(a.seed, 'not-in-db')); jobs = []
        for L in a.lengths:
            quota = {kd: int(round(a.fp_n*sh)) for kd, sh in FP_KINDS.items() if pools[kd]}
            short = a.fp_n - sum(quota.values())   # rounding, or a kind without tracks: the rest to the largest kind
            if quota: quota[max(quota, key=quota.get)] += short
            for kd, q in quota.items():
                for i in range(q): jobs.append((pools[kd][i % len(pools[kd])], L, kd, FP_DEGS[len(jobs) % len(FP_DEGS)]))
        jobs.sort(key=lambda j: j[0]); cache, man = {}, []
        for n, L, kd, d in bar(jobs, desc='writing not-in-DB excerpts'):
            if n not in cache: cache = {n: load_audio(wav[n], sr=sr)}
            x = cache[n]; m = int(L*sr)
            for _ in range(20):
                lo, hi = fade_window(x, sr, L) if kd == 'fade' else (0, max(0, len(x) - m))
                s = int(rng.integers(lo, hi + 1)); snd = sounding_share(x[s:s+m], sr)
                if snd >= .5: break
            f = tmp/kd/d/f'{L}s'/f'{n}-{s}.wav'; f.parent.mkdir(parents=True, exist_ok=True)
            write_wav(f, np.clip(x[s:s+m], -1, 1), sr)
            if d in MP3: g = f.with_suffix('.mp3'); mp3(f, g, *MP3[d]); f.unlink(); f = g
            man.append(dict(file=str(f.relative_to(tmp)), track=n, deg=d, len=L, offset=s/sr, kind=kd, sounding=snd))
        write_json(tmp/'manifest.json', man)
    d = atomic_dir(work/f'notindb-{k}', build)
    return [dict(q, file=str(d/q['file'])) for q in json.loads((d/'manifest.json').read_text())]

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

def ours_identify(db, files:list, cache_dir:Path, speeds='auto')->list:
    "Best guess per query file: [{'track','offset','score','confidence','in_db','speed'}] (in_db None: no accept/reject), cached; `speeds` as `identify`'s."
    from neural_audio_fp.identify.lookup import identify
    cache = cache_dir/(f'results-{key(files)}.json' if speeds == 'auto' else f'results-{key(files, speeds)}.json')
    if cache.is_file(): return json.loads(cache.read_text())
    out = []
    for f in bar(files, desc='nafp identify'):
        none = dict(path=None, offset=None, score=0., confidence=None, in_db=False)
        try: m = (identify(db, f, top_k=2, window=30., speeds=speeds)['matches'] or [none])[0]   # queries <= 10 s: one window; none: nothing but silence
        except Exception as e:
            print(f'  nafp failed on {f}: {e}', file=sys.stderr); m = none
        out.append(dict(track=Path(m['path']).stem if m['path'] else None, offset=m['offset'], score=m['score'],
                        confidence=m['confidence'], in_db=m['in_db'], speed=m.get('speed', 1.)))
    write_json(cache, out)
    return out

def ours_calibration(db)->dict|None:
    from neural_audio_fp.identify.lookup import load_calibration
    c = load_calibration(db)
    return None if c is None else dict(n_seg=c.n_seg, fpr=c.fpr, fpr_range=c.fpr_range, tpr=c.tpr, threshold=c.threshold, n_pos=c.n_pos, n_neg=c.n_neg)

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
    m = max(1, min(100, -(-len(files)//a.jobs))); chunks = [files[i:i+m] for i in range(0, len(files), m)]   # up to 100 per process, every process busy
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

# ---------------------------------------------------------------- Olaf
def olaf_bin(a)->Path:
    "Olaf's C core: `--olaf` itself when it is a file, else DIR/bin/olaf_core (its Makefile's `compile_core`)."
    p = Path(a.olaf)
    b = p if p.is_file() else p/'bin'/'olaf_core'
    if not os.access(b, os.X_OK): sys.exit(f'--olaf {a.olaf}: no executable {b} (build it with `make compile_core` in an Olaf checkout; see benchmarks/README.md)')
    return b.resolve()

def olaf_raw(f:str, dst:Path, fs:int=16000):
    "What Olaf reads: mono 32-bit float raw samples at 16 kHz (its CLI converts with ffmpeg the same way)."
    import soundfile as sf
    i = sf.info(f) if f.endswith('.wav') else None
    if i is not None and i.samplerate == fs and i.channels == 1: sf.read(f, dtype='float32')[0].astype('<f4').tofile(dst)
    else: subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-y', '-i', f, '-ac', '1', '-ar', str(fs), '-f', 'f32le', '-acodec', 'pcm_f32le', str(dst)], check=True)

def olaf_run(a, home:Path, *args)->str:
    "Run Olaf's core with its DB in HOME/.olaf/db (its default configuration keeps the DB under $HOME)."
    r = subprocess.run([str(olaf_bin(a)), *map(str, args)], capture_output=True, text=True, env=dict(os.environ, HOME=str(home)))
    if r.returncode: raise RuntimeError(f'olaf_core {" ".join(map(str, args[:1]))} failed ({r.returncode}):\n{r.stderr[-2000:]}')
    return r.stdout

def olaf_db(db_files:list, work:Path, a)->Path:
    "Olaf DB (LMDB) of `db_files`, cached; returns the HOME folder to run its queries with."
    def build(tmp):
        home = tmp/'home'; (home/'.olaf'/'db').mkdir(parents=True); raw = tmp/'raw'; raw.mkdir()
        print(f'olaf store on {len(db_files)} tracks ...', flush=True)
        for i in bar(range(0, len(db_files), 8), desc='olaf store'):   # one writer at a time (LMDB); a few files per process
            args = []
            for j, f in enumerate(db_files[i:i+8]): olaf_raw(f, raw/f'{j}.raw'); args += [raw/f'{j}.raw', f]
            olaf_run(a, home, 'store', *args)
        shutil.rmtree(raw)
    return atomic_dir(work/f'olaf-{key(OLAF_VERSION, db_files)}', build)/'home'

def olaf_parse_line(l:str)->dict:
    "'count, query start, query stop, reference path, id, reference start, reference stop' -> dict."
    p = [s.strip() for s in l.split(',')]
    return dict(count=int(p[0]), q0=float(p[1]), path=','.join(p[3:-3]), r0=float(p[-2]))

def olaf_split(lines:list, n:int)->list|None:
    """The best result of each of `n` queries, each run followed by a silent separator (which prints exactly one
    empty result): a query prints its matches, best first, or one empty result. None when the output does not parse."""
    out, i = [], 0
    try:
        for _ in range(n):
            r = olaf_parse_line(lines[i]); i += 1
            if r['count'] == 0:
                if olaf_parse_line(lines[i])['count'] != 0: return None
                i += 1; out.append(dict(track=None, offset=None, count=0))
            else:
                while olaf_parse_line(lines[i])['count'] != 0: i += 1
                i += 1; out.append(dict(track=Path(r['path']).stem, offset=round(r['r0'] - r['q0'], 3), count=r['count']))
    except (IndexError, ValueError): return None
    return out if i == len(lines) else None

def olaf_match(home:Path, files:list, a)->list:
    "Best match per file (`olaf_core query`, its default configuration): [{'track','offset','count'}] (track None: no match), cached."
    cache = home.parent/f'match-{key(files)}.json'
    if cache.is_file(): return json.loads(cache.read_text())
    m = max(1, min(100, -(-len(files)//a.jobs))); chunks = [files[i:i+m] for i in range(0, len(files), m)]   # up to 100 per process, every process busy
    def run(ch):
        done = home.parent/f'chunk-{key(ch)}.json'
        if done.is_file(): return json.loads(done.read_text())
        with tempfile.TemporaryDirectory(dir=home.parent) as t:
            t = Path(t); np.zeros(16000, '<f4').tofile(t/'sep.raw'); args = []
            for i, f in enumerate(ch): olaf_raw(f, t/f'{i}.raw'); args += [t/f'{i}.raw', f, t/'sep.raw', 'separator']
            res = olaf_split(olaf_run(a, home, 'query', *args).splitlines(), len(ch))
            if res is None:   # cannot happen with the output format read above; one process per query then
                res = olaf_split(sum((olaf_run(a, home, 'query', t/f'{i}.raw', f, t/'sep.raw', 'separator').splitlines() for i, f in enumerate(ch)), []), len(ch))
            if res is None: raise RuntimeError(f'olaf_core query: output not understood for {ch[0]} ...')
        write_json(done, res); return res
    with ThreadPoolExecutor(a.jobs) as ex:
        out = [r for rs in bar(ex.map(run, chunks), total=len(chunks), desc='olaf query') for r in rs]
    write_json(cache, out)
    return out

# ---------------------------------------------------------------- scoring and report
def song(name:str|None)->str|None:
    "Song identity of a track name: a tracker module and a render of it found beside (`_rendered/.../X.it.wav`) are one song."
    return None if name is None else re.sub(r'_(it|xm|mod|s3m)$', '', name.replace('___rendered_', '__'))

def accepted(p:dict)->bool:
    "Reported as a match: nafp's accept/reject (None: no calibration, everything is), or a peer's reported match."
    return p['in_db'] is not False if 'in_db' in p else p['track'] is not None

def score(qs:list, preds:list)->list:
    "Per query: right song, right song and offset within 0.5 s, accepted (right song and reported as a match)."
    out = [dict(deg=q['deg'], len=q['len'], song=song(p['track']) == song(q['track']),
                offset=song(p['track']) == song(q['track']) and p['offset'] is not None and abs(p['offset'] - q['offset']) <= .5,
                reported=accepted(p)) for q, p in zip(qs, preds)]
    for r in out: r['accepted'] = r['song'] and r['reported']
    return out

def degs_of(rows)->list:
    "The degradations present in score rows (or a list of them), in the order of DEGS."
    present = {r['deg'] for r in rows}
    return [d for d in DEGS if d in present] + sorted(present - set(DEGS))

def table(rows:dict, what:str, lengths:list, degs:list=None)->dict:
    "{system: {deg: {len: % of queries correct}}}"
    degs = degs or degs_of(next(iter(rows.values())))
    cell = lambda rs, d, L: [r[what] for r in rs if r['deg'] == d and r['len'] == L]
    return {s: {d: {L: 100*np.mean(cell(rs, d, L)) if cell(rs, d, L) else float('nan') for L in lengths} for d in degs} for s, rs in rows.items()}

def md_table(t:dict, lengths:list, title:str)->str:
    sys_ = list(t); degs = list(next(iter(t.values())))
    head = "| degradation | " + " | ".join(sys_) + " |\n|---|" + "---|"*len(sys_)
    f = lambda v: '-' if v != v else f'{v:.0f}'
    body = [f"| {DEG_NAMES.get(d, d)} | " + " | ".join(" / ".join(f(t[s][d][L]) for L in lengths) for s in sys_) + " |" for d in degs]
    return f"{title} (%, at {' / '.join(map(str, lengths))} s)\n\n{head}\n" + "\n".join(body)

def figure(tabs:dict, lengths:list, path:Path, title:str='Real-music identification: best guess, song and offset (|error| <= 0.5 s) top-1', cols:int=5):
    "Song and offset top-1 against query length, one panel per degradation (rows of `cols`), as a plotly HTML file."
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    whats = list(tabs); degs = list(next(iter(tabs[whats[0]].values()))); nr = -(-len(degs)//cols)
    names = [f'{w}: {DEG_NAMES.get(d, d)}' if j < len(degs) else '' for w in whats for j in range(nr*cols) for d in [degs[j] if j < len(degs) else None]]
    fig = make_subplots(rows=nr*len(whats), cols=cols, subplot_titles=names, shared_yaxes=True, vertical_spacing=.25/(nr*len(whats)))
    palette = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
    colors = {s: palette[i % len(palette)] for i, s in enumerate(tabs[whats[0]])}
    for w_i, w in enumerate(whats):
        for j, d in enumerate(degs):
            r, c = w_i*nr + j//cols + 1, j % cols + 1
            for s, t in tabs[w].items():
                fig.add_trace(go.Scatter(x=lengths, y=[t[d][L] for L in lengths], name=s, legendgroup=s, showlegend=w_i == 0 and j == 0,
                                         mode='lines+markers', line=dict(color=colors[s])), r, c)
            fig.update_yaxes(range=[0, 101], row=r, col=c)
            fig.update_xaxes(type='log', tickvals=lengths, row=r, col=c)
        fig.update_yaxes(title_text=f'{w} top-1 (%)', row=w_i*nr + 1, col=1)
    fig.update_annotations(font_size=10)
    fig.update_layout(height=260*nr*len(whats), width=300*cols, title=title)
    tmp = path.with_name(path.name + '.tmp.html'); fig.write_html(tmp, include_plotlyjs=True); os.replace(tmp, path)

def clopper_pearson(k:int, n:int)->list:
    "95 % Clopper-Pearson (exact) interval of a share of k in n."
    from scipy.stats import binomtest
    if n == 0: return [float('nan'), float('nan')]
    ci = binomtest(k, n).proportion_ci(.95, method='exact'); return [float(ci.low), float(ci.high)]

def cal_estimate(cal:dict|None, L:float, dur:float, hop:float)->dict|None:
    "The calibration's own false-positive estimate for queries of `L` s (the model of the longest length not above it)."
    if cal is None: return None
    n = int(round((L - dur)/hop)) + 1; ns = cal['n_seg'] if isinstance(cal['n_seg'], list) else [cal['n_seg']]
    k = max(0, int(np.searchsorted(ns, n, 'right')) - 1); pick = lambda v: v[k] if isinstance(v, (list, tuple)) and len(v) == len(ns) else v
    return dict(fpr=pick(cal['fpr']), range=pick(cal['fpr_range']) if cal.get('fpr_range') else None, n_neg=pick(cal['n_neg']), length_s=(ns[k] - 1)*hop + dur)

def not_in_db(fqs:list, preds:dict, lengths:list, cal:dict|None, dur:float, hop:float)->dict:
    "Accepted share of the not-in-DB excerpts per system and length, with 95 % intervals; per kind and degradation too."
    out = dict(n={L: sum(q['len'] == L for q in fqs) for L in lengths}, tracks=len({q['track'] for q in fqs}),
               calibration={L: cal_estimate(cal, L, dur, hop) for L in lengths}, systems={}, by_kind={}, accepted={})
    kinds = sorted({(q['kind'], q['deg']) for q in fqs})
    for s, ps in preds.items():
        acc = [accepted(p) for p in ps]
        out['systems'][s] = {L: dict(k=int(sum(a_ for q, a_ in zip(fqs, acc) if q['len'] == L)), n=out['n'][L]) for L in lengths}
        for L, e in out['systems'][s].items(): e['share'] = e['k']/e['n'] if e['n'] else float('nan'); e['ci'] = clopper_pearson(e['k'], e['n'])
        out['by_kind'][s] = {f'{kd} {d}': {L: [int(sum(a_ for q, a_ in zip(fqs, acc) if (q['kind'], q['deg'], q['len']) == (kd, d, L))),
                                               int(sum((q['kind'], q['deg'], q['len']) == (kd, d, L) for q in fqs))] for L in lengths} for kd, d in kinds}
        out['accepted'][s] = [dict(query=Path(q['file']).name, kind=q['kind'], matched=p['track'], **({'confidence': p['confidence']} if 'confidence' in p else {'count': p.get('count')}))
                              for q, p, a_ in zip(fqs, ps, acc) if a_]
    return out

def nid_table(r:dict, lengths:list)->str:
    "Markdown table of the not-in-DB part: accepted % (95 % interval) per length and system, and the calibration's estimate."
    pc = lambda e: f"{100*e['share']:.1f} ({100*e['ci'][0]:.1f}-{100*e['ci'][1]:.1f})"
    est = lambda c: '-' if c is None else f"{100*c['fpr']:.1f}" + (f" ({100*c['range'][0]:.1f}-{100*c['range'][1]:.1f})" if c.get('range') else '')
    sys_ = list(r['systems'])
    head = "| query | excerpts | " + " | ".join(sys_) + " | nafp calibration's estimate |\n|---|---|" + "---|"*(len(sys_) + 1)
    body = [f"| {L} s | {r['n'][L]} | " + " | ".join(pc(r['systems'][s][L]) for s in sys_) + f" | {est(r['calibration'][L])} |" for L in lengths]
    return (f"Not in the DB: accepted % (95 % Clopper-Pearson interval) of {sum(r['n'].values())} excerpts of {r['tracks']} tracks "
            f"(nafp: its calibrated accept/reject; peers: any reported match)\n\n{head}\n" + "\n".join(body))

def by_deg(qs:list, run)->list:
    "run(files) per degradation (each degradation's results cached on their own), reassembled in the order of `qs`."
    out = [None]*len(qs)
    for d in degs_of(qs):
        ix = [i for i, q in enumerate(qs) if q['deg'] == d]
        for i, p in zip(ix, run([qs[i]['file'] for i in ix])): out[i] = p
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n', 2)[2])
    p.add_argument('--root', default=ROOT, help='extracted Debian packages (one folder per package, as real_music_recipe.py leaves in WORK/x); the default folders below are under it')
    p.add_argument('--db_tracks', action='append', help='folder of held-out tracks for the DB (repeatable; default: ROOT/supertuxkart-data/.../music, ROOT/megaglest-data, ROOT/pingus-data)')
    p.add_argument('--fp_tracks', action='append', help='folder of tracks NOT in the DB (repeatable; default: the validation packages ROOT/mu-cade-data, ROOT/extremetuxracer-data, plus --min_fp held-out tracks kept out of the DB)')
    p.add_argument('--noise', action='append', help='folder of real noise for the `noise` degradation, disjoint from training (repeatable; default: ROOT/megaglest-data/.../tilesets, ROOT/supertuxkart-data/.../sfx)')
    p.add_argument('--bench_noise', default=None, help='folder with ambience/ (test packages only) and babble/ for amb5, amb0, babble5 and phone (default: ROOT/../bench_noise)')
    p.add_argument('--degs', default='all', help=f"degradations, comma-separated (default: all): {', '.join(DEGS)}")
    p.add_argument('--calib_val', action='append', help='songs not in the DB to calibrate on, when building leaves no calibration (default: the validation packages)')
    p.add_argument('--checkpoint', default='pretrained-tiny_real', help="nafp model: 'pretrained-NAME' or a run NAME[:INDEX] under --log_root")
    p.add_argument('--log_root', default='./logs/', help='LOG_ROOT_DIR of a trained run')
    p.add_argument('--n', type=int, default=100, help='DB tracks: the held-out ones (queried), filled up with --distractors')
    p.add_argument('--distractors', action='append', help='folders of tracks that fill the DB up to --n and are never queried (repeatable; default: ROOT/flare-game, ROOT/fillets-ng-data, ROOT/tecnoballz-data; "" for none)')
    p.add_argument('--per_track', type=int, default=0, help='queries per held-out DB track, length and degradation (0: enough for >= 100 per cell)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--speeds', default='auto', help="nafp identify's stretch factors: 'auto' (its default: a rejected answer searched again at other speeds) or a list, '1' for the recording's own speed only")
    p.add_argument('--lengths', default='1,2,3,5,10', help='query lengths (s), comma-separated')
    p.add_argument('--sr', type=int, default=16000, help='sample rate of the decoded tracks and query files (audfprint analyses up to 5.5 kHz: keep >= 11025; Olaf reads 16 kHz)')
    p.add_argument('--include', default='/musics?/', help="regular expression a track's path must match (DB, not-in-DB and calibration folders; '' for all)")
    p.add_argument('--min_dur', type=float, default=20., help='shortest track kept (s)')
    p.add_argument('--min_fp', type=int, default=10, help='held-out tracks kept out of the DB for the not-in-DB part when --fp_tracks is not given')
    p.add_argument('--fp_n', type=int, default=600, help='not-in-DB excerpts per query length (0: no not-in-DB part)')
    p.add_argument('--audfprint', default='/work/peers/audfprint', help='clone of github.com/dpwe/audfprint ("" to skip it)')
    p.add_argument('--audfprint_python', default='/work/peers/audfprint-venv/bin/python', help='python of the venv audfprint runs in')
    p.add_argument('--densities', default='default,100', help="audfprint densities to run, comma-separated ('default': its own, 20 hashes/s)")
    p.add_argument('--olaf', default='', help='Olaf checkout with bin/olaf_core built (`make compile_core`), or that executable; the Olaf peer runs only when given')
    p.add_argument('--jobs', type=int, default=2, help='parallel query writers and peer processes')
    p.add_argument('--work', default='bench_real_music_work', help='cache folder (tracks, queries, DBs)')
    p.add_argument('--out', default='bench_real_music_out', help='folder for the JSON and the plotly HTML')
    a = p.parse_args(); a.lengths = [int(L) if float(L).is_integer() else float(L) for L in a.lengths.split(',')]
    degs = list(DEGS) if a.degs == 'all' else [d.strip() for d in a.degs.split(',') if d.strip()]
    if bad := [d for d in degs if d not in DEGS]: sys.exit(f"--degs: unknown {', '.join(bad)} (known: {', '.join(DEGS)})")
    degs = [d for d in DEGS if d in degs]; a.degs = ','.join(degs)
    D = defaults(a.root); a.bench_noise = a.bench_noise or D['bench_noise']
    if not a.db_tracks and not any(Path(d).is_dir() for d in D['db']): sys.exit(f"--root {a.root}: none of the default DB folders is there ({', '.join(D['db'])}); give --root or --db_tracks")
    if a.audfprint and not (Path(a.audfprint)/'audfprint.py').is_file():
        print(f"--audfprint {a.audfprint}: no audfprint.py there; audfprint is skipped (--audfprint '' to skip it quietly)", file=sys.stderr); a.audfprint = ''
    if a.olaf: olaf_bin(a)
    nsets = noise_sets(a, degs)   # before any decoding: a missing noise folder stops the run at once
    work, outd = Path(a.work).resolve(), Path(a.out); work.mkdir(parents=True, exist_ok=True); outd.mkdir(parents=True, exist_ok=True)
    t_start = time.time(); times = {}
    def timed(name, f, *args, **kw):
        t = time.time(); r = f(*args, **kw); times[name] = times.get(name, 0) + time.time() - t; return r

    pool = decoded_tracks(a.db_tracks or D['db'], work, a.sr, a.min_dur, 'db', a.include)
    names = [sorted(pool)[i] for i in np.random.default_rng(a.seed).permutation(len(pool))]
    val_dirs = [d for d in D['val'] if Path(d).is_dir()]
    if a.fp_tracks: n_db, fpool = min(a.n, len(names)), dict(same={}, val=decoded_tracks(a.fp_tracks, work, a.sr, a.min_dur, 'fp', a.include))
    else:
        n_db = min(a.n, len(names) - a.min_fp)
        fpool = dict(same={k: pool[k] for k in names[n_db:]}, val=decoded_tracks(val_dirs, work, a.sr, a.min_dur, 'fp', a.include) if val_dirs else {})
    db = {k: pool[k] for k in sorted(names[:n_db])}
    dis = {}
    if n_db < a.n and [d for d in (a.distractors or D['distract']) if d]:
        dpool = decoded_tracks([d for d in (a.distractors or D['distract']) if d], work, a.sr, a.min_dur, 'distractors', a.include)
        dn = [sorted(dpool)[i] for i in np.random.default_rng(a.seed + 1).permutation(len(dpool))][:a.n - n_db]
        dis = {k: dpool[k] for k in sorted(dn) if k not in db}
    if n_db + len(dis) < a.n: print(f'only {n_db} held-out and {len(dis)} distractor tracks: a DB of {n_db + len(dis)}', file=sys.stderr)
    in_db = {song(k) for k in db} | {song(k) for k in dis}   # another render of a DB song is not "not in the DB"
    left = {kd: [k for k in v if song(k) in in_db] for kd, v in fpool.items()}
    if any(left.values()): print(f"{sum(map(len, left.values()))} not-in-DB tracks left out: another copy of their song is in the DB ({', '.join(k for v in left.values() for k in v)})", file=sys.stderr)
    fpool = {kd: {k: v for k, v in t.items() if song(k) not in in_db} for kd, t in fpool.items()}
    a.per_track = a.per_track or max(1, int(np.ceil(100/len(db))))
    qs = timed('queries', make_queries, db, degs, nsets, work, a)
    fqs = timed('queries', make_fp_queries, fpool, work, a) if a.fp_n and any(fpool.values()) else []
    db_files = list(db.values()) + list(dis.values())
    hours = sum(os.path.getsize(f) - 44 for f in db.values())/2/a.sr/3600; db_hours = sum(os.path.getsize(f) - 44 for f in db_files)/2/a.sr/3600
    print(f'DB: {len(db_files)} tracks, {db_hours:.2f} h ({len(db)} held-out tracks queried, {hours:.2f} h; {len(dis)} distractors from training packages); '
          f'{len(qs)} queries ({a.per_track} per track, length and degradation; {len(degs)} degradations); '
          f'{len(fqs)} not-in-DB excerpts of {len({q["track"] for q in fqs})} tracks; noise: ' + ', '.join(f'{s} {len(f)} files' for s, f in nsets.items()))

    val = [str(f) for f in scan(val_dirs if not a.calib_val else [d for d in a.calib_val if Path(d).is_dir()], a.min_dur, a.include) if f.suffix.lower() not in MODULE_EXTS]
    odb, odir = timed('nafp DB', ours_db, db_files, val, work, a)
    info = odb.info(); cal = ours_calibration(odb)
    ours = 'nafp ' + a.checkpoint
    sp = 'auto' if a.speeds == 'auto' else tuple(float(v) for v in a.speeds.split(','))
    if sp != 'auto': ours += f' --speeds {a.speeds}'
    preds = {ours: timed('nafp identify', by_deg, qs, lambda f: ours_identify(odb, f, odir, sp))}
    fpreds = {ours: timed('nafp identify', ours_identify, odb, [q['file'] for q in fqs], odir, sp)} if fqs else {}
    res = dict(args=vars(a), degs=degs, db_tracks=len(db_files), queried_tracks=len(db), hours=db_hours, n_queries=len(qs), storage={}, calibration=cal)
    res['storage']['nafp'] = dict(d=info['d'], fingerprints_per_s=info['rows']/(info['hours']*3600), bytes=info['bytes'],
                                  bytes_per_hour=info['bytes']/info['hours'], build_s=float((odir/'build_s').read_text()))
    if a.audfprint:
        for dens in [None if d == 'default' else int(d) if float(d).is_integer() else float(d) for d in a.densities.split(',') if d]:
            name = 'audfprint' + ('' if dens is None else f' --density {dens:g}')
            f = timed(f'{name} DB', audf_db, db_files, dens, work, a)
            preds[name] = timed(f'{name} match', by_deg, qs, lambda fs: audf_match(f, fs, a, dens))
            if fqs: fpreds[name] = timed(f'{name} match', audf_match, f, [q['file'] for q in fqs], a, dens)
            res['storage'][name] = dict(bytes=f.stat().st_size, bytes_per_hour=f.stat().st_size/db_hours)
    if a.olaf:
        home = timed('Olaf DB', olaf_db, db_files, work, a)
        preds['Olaf'] = timed('Olaf match', by_deg, qs, lambda fs: olaf_match(home, fs, a))
        if fqs: fpreds['Olaf'] = timed('Olaf match', olaf_match, home, [q['file'] for q in fqs], a)
        size = sum(f.stat().st_size for f in (home/'.olaf'/'db').iterdir())
        res['storage']['Olaf'] = dict(bytes=size, bytes_per_hour=size/db_hours)

    quiet = {i for i, q in enumerate(qs) if q['sounding'] < .5}   # the same queries are left out for every system
    if quiet: print(f'{len(quiet)} queries left out of every score: their excerpt is mostly digital silence (a track\'s silent tail)')
    sq = [q for i, q in enumerate(qs) if i not in quiet]
    rows = {s: score(sq, [p for i, p in enumerate(pr) if i not in quiet]) for s, pr in preds.items()}
    res['n_scored'], res['n_silent'] = len(sq), len(quiet)
    tabs = {w: table(rows, w, a.lengths, degs) for w in ('song', 'offset')}
    res['song_top1'], res['offset_top1'] = tabs['song'], tabs['offset']
    res['accepted_top1'] = table(rows, 'accepted', a.lengths, degs)   # right song and accepted (peers: any reported match counts as accepted)
    res['per_query'] = dict(queries=[dict(track=q['track'], deg=q['deg'], len=q['len'], offset=round(q['offset'], 4)) for q in sq],
                            hits={s: {w: ''.join('1' if r[w] else '0' for r in rs) for w in ('song', 'offset', 'accepted')} for s, rs in rows.items()})   # for pool_real_music.py: paired comparisons over draws
    # not in the DB
    keep = [i for i, q in enumerate(fqs) if q['sounding'] >= .5]   # a silent excerpt is rejected by anything: no test of the threshold
    if len(keep) < len(fqs): print(f'{len(fqs) - len(keep)} not-in-DB excerpts left out: mostly digital silence')
    fqs = [fqs[i] for i in keep]; fpreds = {s: [ps[i] for i in keep] for s, ps in fpreds.items()}
    if fqs:
        emb = odb.embedder
        res['not_in_db'] = not_in_db(fqs, fpreds, a.lengths, cal, emb.dur, emb.hop)
        res['not_in_db']['per_query'] = dict(queries=[dict(track=q['track'], kind=q['kind'], deg=q['deg'], len=q['len']) for q in fqs],
                                             accepted={s: ''.join('1' if accepted(p) else '0' for p in ps) for s, ps in fpreds.items()})   # for pooling
    acc = {}
    for d in degs:
        for L in a.lengths:
            sel = [r for r in rows[ours] if r['deg'] == d and r['len'] == L]; ok = [r for r in sel if r['song']]
            e = dict(nafp_accepted_of_correct=float(np.mean([r['reported'] for r in ok])) if ok else None,
                     nafp_correct_and_accepted=float(np.mean([r['accepted'] for r in sel])) if sel else None)
            for s in rows:
                if s != ours: e[f'{s} correct_and_accepted'] = float(np.mean([r['accepted'] for r in rows[s] if r['deg'] == d and r['len'] == L] or [np.nan]))
            acc[f'{d} {L}s'] = e
    res['acceptance'] = acc
    res['times_s'] = {k: round(v, 1) for k, v in times.items()}
    res['wall_s'] = time.time() - t_start
    write_json(outd/'bench_real_music.json', res)
    figure(tabs, a.lengths, outd/'bench_real_music.html')

    print(f"\n{md_table(tabs['song'], a.lengths, 'Song top-1, best guess')}\n\n{md_table(tabs['offset'], a.lengths, 'Offset top-1 (|error| <= 0.5 s), best guess')}\n")
    print(f"{md_table(res['accepted_top1'], a.lengths, 'Right song and accepted (nafp: its calibrated accept/reject; peers: a reported match)')}\n")
    for s, st in res['storage'].items():
        print(f"storage {s}: {st['bytes_per_hour']/2**20:.2f} MiB per hour of audio" + (f" (d={st['d']}, {st['fingerprints_per_s']:.1f} fingerprints/s)" if 'd' in st else ''))
    if fqs:
        r = res['not_in_db']
        print(f"\n{nid_table(r, a.lengths)}" + ('\n(no calibration in the nafp DB: every query is reported as a match)' if cal is None else ''))
        print('  nafp by kind (accepted / excerpts at ' + ' / '.join(f'{L}' for L in a.lengths) + ' s): '
              + '; '.join(f"{k} " + ' / '.join(f'{v[L][0]}/{v[L][1]}' for L in a.lengths) for k, v in r['by_kind'][ours].items()))
    print('\nAcceptance of DB-track queries: nafp accepted among correct best guesses / nafp correct and accepted' + ''.join(f' / {s} correct match' for s in rows if s != ours))
    f = lambda v: '  -  ' if v is None or v != v else f'{100*v:5.1f}'
    for k, e in acc.items(): print(f"  {k:>14}: " + ' / '.join(f(v) + ' %' for v in e.values()))
    print('\ntimes (s): ' + ', '.join(f'{k} {v:.0f}' for k, v in res['times_s'].items()))
    print(f"\nwrote {outd/'bench_real_music.json'} and {outd/'bench_real_music.html'} ({res['wall_s']/60:.1f} min)")

if __name__ == '__main__': main()

"""`nafp generate` end to end against the encoder alone, on the same real files, per model preset.

For each preset (a freshly initialised checkpoint of it: speed does not depend on the weights),
on the same audio files (44.1 kHz OGG music by default: what users decode), in one run:

1. encoder only: segments/s of `checkpoint.embed` at batch 256 on the files' segments held in
   memory, after a warm-up batch (also at the preset's BSZ.TS_BATCH_SZ, which `generate` uses);
2. `nafp generate NAME --source DIR` as a subprocess: segments/s over the whole command (start-up
   included), and without the start-up (the wall time of the same command on a one-second file
   subtracted). The checkpoint's first run, which loads TensorFlow and exports the weights to a
   fresh cache folder, is timed apart; the timed runs are later runs, which run the model with
   NumPy (`--engine auto`, what a user gets; `--engine tensorflow` for the TensorFlow path). The
   NumPy encoder alone is timed too;
3. the ratio (2)/(1), with and without the start-up.

The runs of (1) and (2) alternate `--repeats` times and the medians are reported. It also prints
the CPU seconds per 1,000 segments of the audio path (decode, resample, framing, one thread:
`load_audio`, and the whole-file read with numpy's `mean` it replaced) and of the encoder, and the ratio that full overlap on all cores
would give, E / (E + D), and the CPU seconds per 1,000 segments of both (the generate run's minus those of
its start-up): their ratio is what a machine whose cores are all busy in both cases would see,
and it is much less sensitive to other programs on a shared machine than wall times. Run it
niced on a shared machine:

    nice -n 10 python benchmarks/bench_generate.py [--presets tiny,default] [--segments tiny:3000,default:800] [--repeats 2]

With `--original DIR` (a checkout of github.com/mimbres/neural-audio-fp), the original's
`python run.py generate` runs beside `nafp generate`, interleaved, on the same files: the `default`
preset's files written as 8 kHz 16-bit WAV (the only input it reads), with the original's
`default.yaml` (the same network, d=128, batch 125, 4 loader processes) and a freshly initialised
checkpoint of its own model. It needs Keras 2 and kapre beside TensorFlow 2.17; install them into a
folder of their own so that they do not touch this environment, and pass it as `--original_path`:

    pip install --no-deps --target /tmp/orig-pkgs tf-keras==2.17.0 kapre==0.3.7
    nice -n 10 python benchmarks/bench_generate.py --presets default --original ../neural-audio-fp --original_path /tmp/orig-pkgs
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

MUSIC = '/work/realmusic/x/supertuxkart-data/usr/share/games/supertuxkart/data/music'

def pick_files(src:Path, n_segments:int, min_dur:float=20.)->list:
    "The first sorted audio files of `src` lasting at least `min_dur` s, until they hold `n_segments` 1 s segments (0.5 s hop)."
    import soundfile as sf
    from neural_audio_fp.audio.io import list_audio
    out, n = [], 0
    for f in list_audio(src):
        try: i = sf.info(str(f))
        except Exception: continue
        if i.duration < min_dur: continue
        out.append(f); n += int((i.duration - 1) / .5) + 1
        if n >= n_segments: break
    return out

def link_folder(d:Path, files:list)->Path:
    "A folder of symbolic links to `files` (numbered, so their order is kept)."
    d.mkdir(parents=True)
    for i, f in enumerate(files): (d/f'{i:03d}_{f.name}').symlink_to(f)
    return d

def fresh_checkpoint(log_root:Path, preset:str, workers:int=None)->tuple:
    "(run name, its config YAML, embedder, config) of a freshly initialised checkpoint of `preset` in `log_root`."
    import tensorflow as tf
    from neural_audio_fp.config.base import load_config, save_config
    from neural_audio_fp.model.encoder import build_embedder
    from neural_audio_fp.train.loop import ckpt_dir
    cfg = load_config(preset, {'DEVICE.CPU_N_WORKERS': workers} if workers is not None else {})
    name = f'bench-{preset}'; d = ckpt_dir(log_root, name)
    emb = build_embedder(cfg.model)
    tf.train.Checkpoint(model=emb.fingerprinter).save(str(d/'ckpt'))
    save_config(cfg, d/'config.yaml'); save_config(cfg, log_root/f'{name}.yaml')
    return name, log_root/f'{name}.yaml', emb, cfg

def audio_cost(files:list, sr:int=8000)->dict:
    "CPU seconds per 1,000 segments of decoding + resampling + framing `files` in one thread, with each loader."
    from neural_audio_fp.audio.io import load_audio, segment, resample, _read_whole
    whole = lambda f, sr: resample(*_read_whole(Path(f)), sr)            # the whole file at once, channels by `mean`
    res = {}
    for name, load in (('load_audio', load_audio), ('whole_file', whole)):
        t, n = time.process_time(), 0
        for f in files: n += len(segment(load(f, sr), sr))
        res[name] = (time.process_time() - t) / n * 1000
    return res

def encoder_run(emb, x:np.ndarray, bs:int)->tuple:
    "(segments/s, CPU s per 1,000 segments) of `embed` on the in-memory segments `x` (`emb`: a Keras embedder, or a NumPy encoder)."
    from neural_audio_fp.model.checkpoint import embed
    w, c = time.perf_counter(), time.process_time()
    emb(x) if callable(emb) and not hasattr(emb, 'layers') else embed(emb, x, bs)
    w, c = time.perf_counter() - w, time.process_time() - c
    return len(x) / w, c / len(x) * 1000

def generate_run(name:str, cfg_yaml:Path, log_root:Path, src:Path, out:Path, code:str=None)->tuple:
    "(wall seconds, CPU seconds, fingerprints written) of `nafp generate NAME --source SRC`, as a user runs it."
    env = {**os.environ, 'NAFP_NO_PROGRESS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2', **({'PYTHONPATH': code} if code else {})}   # NAFP_ENGINE, XDG_CACHE_HOME: main's
    cmd = ['nafp', 'generate', name, '--config', str(cfg_yaml), '--log_root', str(log_root), '--source', str(src),
           '--output', str(out), '--overwrite']
    cpu = lambda: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_CHILDREN))
    t, c = time.perf_counter(), cpu()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    w, c = time.perf_counter() - t, cpu() - c
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    n = int(np.load(out/name/'1'/'custom_source_shape.npy')[0])
    return w, c, n

ORIG_CKPT = """import sys, yaml, numpy as np, tensorflow as tf
sys.path.insert(0, '.')
from model.generate import build_fp
m_pre, m_fp = build_fp(yaml.safe_load(open('config/bench.yaml')))
m_fp(m_pre(np.zeros((2, 1, 8000), np.float32)))
tf.train.Checkpoint(model=m_fp).save(sys.argv[1] + '/ckpt')
"""

def original_setup(repo:Path, pkgs:str, tmp:Path)->tuple:
    "(code folder, environment) of a copy of the original code in `tmp`, its config `bench` writing under `tmp`, and a fresh checkpoint `bench` of its model."
    import yaml
    code = tmp/'orig'; shutil.copytree(repo, code, ignore=shutil.ignore_patterns('.git', 'logs'))
    cfg = yaml.safe_load((code/'config'/'default.yaml').read_text())
    cfg['DIR'].update(LOG_ROOT_DIR=f'{tmp}/orig-logs/', OUTPUT_ROOT_DIR=f'{tmp}/orig-out/')
    (code/'config'/'bench.yaml').write_text(yaml.safe_dump(cfg))
    env = {**os.environ, 'TF_USE_LEGACY_KERAS': '1', 'TF_CPP_MIN_LOG_LEVEL': '2', 'PYTHONPATH': pkgs}
    r = subprocess.run([sys.executable, '-c', ORIG_CKPT, f'{tmp}/orig-logs/checkpoint/bench'], cwd=code, env=env, capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"the original's model could not be built (are tf-keras 2.17 and kapre 0.3.7 in {pkgs}?):\n{r.stderr[-3000:]}")
    return code, env

def original_run(code:Path, env:dict, src:Path, out:Path)->tuple:
    "(wall seconds, fingerprints written) of the original's `python run.py generate bench -c bench --source SRC --skip_dummy`."
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, 'run.py', 'generate', 'bench', '-c', 'bench', '--source', str(src), '--output', str(out), '--skip_dummy']
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True)
    w = time.perf_counter() - t
    if r.returncode: raise SystemExit(f"the original's generate failed:\n{r.stderr[-3000:]}")
    return w, int(np.load(out/'bench'/'1'/'custom_source_shape.npy')[0])

def versus_original(args, tmp:Path, files:list, name:str, cfg_yaml:Path, one:Path):
    "`nafp generate` (the `default` preset's checkpoint `name`) and the original's generate, interleaved, on `files` as 8 kHz WAV."
    from neural_audio_fp.audio.io import load_audio, write_wav
    wav = tmp/'wav'
    for i, f in enumerate(files): write_wav(wav/f'{i:03d}.wav', load_audio(f, 8000))
    code, env = original_setup(Path(args.original), args.original_path, tmp)
    print(f"\noriginal's generate (default.yaml, 4 loader processes) against nafp generate, on the same {len(files)} files "
          f"as 8 kHz WAV:", flush=True)
    runs = []
    for r in range(args.repeats):
        ow, on = original_run(code, env, wav, tmp/'orig-out')
        ow1, _ = original_run(code, env, one, tmp/'orig-out1')
        w, _, n = generate_run(name, cfg_yaml, tmp/'logs', wav, tmp/'out-wav')
        w1, _, _ = generate_run(name, cfg_yaml, tmp/'logs', one, tmp/'out1')
        if on != n: raise SystemExit(f"the original wrote {on} fingerprints, nafp {n}")
        runs.append(dict(orig=on / ow, orig_net=on / max(ow - ow1, 1e-9), ours=n / w, ours_net=n / max(w - w1, 1e-9)))
        print(f"  run {r}: original {ow:6.1f} s = {on/ow:6.1f} seg/s (start-up {ow1:.1f} s); nafp {w:6.1f} s = {n/w:6.1f} seg/s "
              f"(start-up {w1:.1f} s); {n:,} fingerprints each", flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"  default: nafp generate / original generate = {med['ours']/med['orig']:.2f}x end to end "
          f"({med['ours']:.1f} against {med['orig']:.1f} seg/s), {med['ours_net']/med['orig_net']:.2f}x without start-up", flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--source', default=MUSIC, help='folder of real music (files of at least 20 s are used)')
    ap.add_argument('--presets', default='tiny,default', help='comma-separated model presets')
    ap.add_argument('--segments', default='tiny:3000,default:800', help='segments per preset (PRESET:N,...; N alone for all)')
    ap.add_argument('--repeats', type=int, default=2, help='alternating runs of encoder and generate per preset')
    ap.add_argument('--baseline', default=None, help='a checkout of another version of neural_audio_fp: its `nafp generate` runs beside')
    ap.add_argument('--workers', type=int, default=None, help='DEVICE.CPU_N_WORKERS of the generate runs (default: the preset\'s)')
    ap.add_argument('--original', default=None, help="a checkout of the original code (mimbres/neural-audio-fp): its generate runs beside, preset default")
    ap.add_argument('--original_path', default=None, help='a folder with tf-keras 2.17 and kapre 0.3.7 for the original (see above)')
    ap.add_argument('--engine', default='auto', help="NAFP_ENGINE of the generate runs: auto (NumPy once the checkpoint is exported, as users get it), numpy, tensorflow")
    args = ap.parse_args()
    os.environ.setdefault('NAFP_NO_PROGRESS', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2'); os.environ['NAFP_ENGINE'] = args.engine
    seg = dict(s.split(':') for s in args.segments.split(',')) if ':' in args.segments else {}
    import soundfile as sf
    from neural_audio_fp.audio.io import load_audio, segment, write_wav
    tmp = Path(tempfile.mkdtemp())
    os.environ['XDG_CACHE_HOME'] = str(tmp/'cache')     # a fresh cache: the first generate run of a checkpoint exports it, as for a user
    try:
        one = tmp/'one'; write_wav(one/'one.wav', .1 * np.random.default_rng(0).standard_normal(12000))   # 1.5 s: start-up only
        print(f"cores: {len(os.sched_getaffinity(0))}; source: {args.source}", flush=True)
        for preset in args.presets.split(','):
            n_want = int(seg.get(preset, args.segments if ':' not in args.segments else 1000))
            files = pick_files(Path(args.source), n_want)
            src = link_folder(tmp/f'src-{preset}', files)
            name, cfg_yaml, emb, cfg = fresh_checkpoint(tmp/'logs', preset, args.workers)
            x = np.concatenate([segment(load_audio(f, cfg.model.fs), cfg.model.fs, cfg.model.dur, cfg.model.hop) for f in files])
            secs = sum(sf.info(str(f)).duration for f in files)
            print(f"\n{preset}: {len(files)} files, {secs/60:.1f} min, {len(x):,} segments; TS_BATCH_SZ {cfg.bsz.ts_batch_sz}, "
                  f"read-ahead workers {cfg.device.cpu_n_workers}", flush=True)
            a = audio_cost(files, cfg.model.fs)
            encoder_run(emb, x[:256], 256)                                         # warm-up: trace and allocate
            w0, _, _ = generate_run(name, cfg_yaml, tmp/'logs', one, tmp/'out0')     # the checkpoint's first run (TensorFlow; exports it)
            from neural_audio_fp.model.checkpoint import load_encoder
            npenc, _, _, eng = load_encoder(name, cfg=cfg_yaml, log_root=tmp/'logs')
            print(f"  first generate run of the checkpoint (1.5 s file): {w0:.1f} s; later runs use {eng}", flush=True)
            encoder_run(npenc, x[:256], 256) if eng == 'numpy' else None
            runs = []
            for r in range(args.repeats):
                e256, c256 = encoder_run(emb, x, 256)
                ets, _ = encoder_run(emb, x, cfg.bsz.ts_batch_sz)
                enp = encoder_run(npenc, x, 256)[0] if eng == 'numpy' else float('nan')
                w, c, n = generate_run(name, cfg_yaml, tmp/'logs', src, tmp/'out')
                w1, c1, _ = generate_run(name, cfg_yaml, tmp/'logs', one, tmp/'out1')
                if n != len(x): raise SystemExit(f"generate wrote {n} fingerprints for {len(x)} segments")
                runs.append(dict(enc=e256, enc_cpu=c256, enc_ts=ets, enc_np=enp, gen=n / w, gen_net=n / max(w - w1, 1e-9), wall=w, startup=w1,
                                 gen_cpu=(c - c1) / n * 1000))
                if args.baseline:
                    bw, bc, bn = generate_run(name, cfg_yaml, tmp/'logs', src, tmp/'out-base', args.baseline)
                    bw1, bc1, _ = generate_run(name, cfg_yaml, tmp/'logs', one, tmp/'out1-base', args.baseline)
                    runs[-1].update(base=bn / bw, base_net=bn / max(bw - bw1, 1e-9), base_cpu=(bc - bc1) / bn * 1000)
                    same = np.array_equal(np.fromfile(tmp/'out'/name/'1'/'custom_source.mm', np.float32),
                                          np.fromfile(tmp/'out-base'/name/'1'/'custom_source.mm', np.float32))
                    print(f"  run {r}: baseline generate {bw:6.1f} s = {bn/bw:7.1f} seg/s, start-up {bw1:4.1f} s, without it "
                          f"{runs[-1]['base_net']:7.1f} seg/s; CPU s per 1,000 segments {runs[-1]['base_cpu']:.2f}; "
                          f"fingerprints {'identical' if same else 'DIFFERENT'}", flush=True)
                print(f"  run {r}: encoder {e256:7.1f} seg/s (batch 256), {ets:7.1f} (batch {cfg.bsz.ts_batch_sz}), NumPy {enp:7.1f}; generate {w:6.1f} s = "
                      f"{n/w:7.1f} seg/s, start-up {w1:4.1f} s, without it {runs[-1]['gen_net']:7.1f} seg/s; CPU s per 1,000 segments: "
                      f"encoder {c256:.2f}, generate without start-up {runs[-1]['gen_cpu']:.2f}", flush=True)
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            bound = med['enc_cpu'] / (med['enc_cpu'] + a['load_audio'])
            print(f"  audio path, CPU s per 1,000 segments: load_audio {a['load_audio']:.2f}, whole-file read and mean {a['whole_file']:.2f}; "
                  f"encoder {med['enc_cpu']:.2f} -> full overlap would give {bound:.2f}")
            print(f"  {preset}: NumPy encoder alone {med['enc_np']:.1f} seg/s (generate/NumPy encoder end to end {med['gen']/med['enc_np']:.2f})", flush=True)
            print(f"  {preset}: encoder {med['enc']:.1f} seg/s; generate {med['gen']:.1f} seg/s end to end, {med['gen_net']:.1f} without "
                  f"the {med['startup']:.1f} s start-up; ratio generate/encoder = {med['gen']/med['enc']:.2f} end to end, "
                  f"{med['gen_net']/med['enc']:.2f} without start-up; in CPU time (encoder / generate) {med['enc_cpu']/med['gen_cpu']:.2f}", flush=True)
            if args.baseline:
                print(f"  {preset}: baseline generate {med['base']:.1f} seg/s end to end, {med['base_net']:.1f} without start-up; "
                      f"ratio baseline/encoder = {med['base']/med['enc']:.2f} end to end, {med['base_net']/med['enc']:.2f} without start-up, "
                      f"{med['enc_cpu']/med['base_cpu']:.2f} in CPU time", flush=True)
            if args.original and preset == 'default': versus_original(args, tmp, files, name, cfg_yaml, one)
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()

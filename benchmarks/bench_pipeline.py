"""Training pairs/s of `neural_audio_fp.train.data.train_dataset` on 2 CPU cores, for the `tiny`,
`tiny_real` (real-query degradations: replica bank + online EQ/compression) and `default`
presets, next to the encoder's training samples/s when `neural_audio_fp.model.encoder` is available
(the pipeline must be the faster of the two). The replica bank of `tiny_real` is built before
timing; its build time is reported on its own line.

    python benchmarks/bench_pipeline.py [--n_train 40] [--batches 20] [--steps 3] [--presets tiny,tiny_real,default]
"""
import argparse, os, shutil, tempfile, time
from pathlib import Path
import numpy as np

def _cores(n=2):
    try: os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:n])
    except (AttributeError, OSError): pass

def _corpus(root:Path, n_train:int)->Path:
    "A corpus in the dataset layout: the project's test corpus when available, else white-noise tracks."
    try:
        from neural_audio_fp.corpus.build import make_test_corpus
        return Path(make_test_corpus(root, n_train=n_train, n_val=2, n_test=2, n_dummy=2, seed=0))
    except ImportError: pass
    from neural_audio_fp.audio.io import write_wav
    rng = np.random.default_rng(0)
    for i in range(n_train): write_wav(root/'music'/f'train-{n_train}-30s'/f'{i:04d}.wav', np.clip(.2*rng.standard_normal(30*8000), -1, 1))
    for i in range(8): write_wav(root/'aug'/'bg'/f'{i}.wav', .1*rng.standard_normal(10*8000))
    for i in range(8): write_wav(root/'aug'/'ir'/f'{i}.wav', np.exp(-np.arange(2000)/300)*rng.standard_normal(2000)*.3)
    return root

def pipeline_rate(cfg, n_batches:int)->float:
    "Replica/anchor pairs per second delivered by `train_dataset` (first batch excluded)."
    from neural_audio_fp.train.data import train_dataset
    it = iter(train_dataset(cfg, seed=0)); next(it)
    t0, n = time.perf_counter(), 0
    for _ in range(n_batches):
        try: a, r = next(it)
        except StopIteration: it = iter(train_dataset(cfg, seed=1)); a, r = next(it)
        n += len(r)
    return n/(time.perf_counter() - t0)

def bank_build(cfg):
    "Build the replica bank of `cfg` (when its TD_AUG asks for one) and print its build time and size."
    from neural_audio_fp.augment.bank import bank_spec, get_bank
    from neural_audio_fp.train.data import get_store
    from neural_audio_fp.audio.io import list_audio
    from neural_audio_fp.config.base import split_dir
    spec = bank_spec(cfg.td_aug, cfg.train.seed)
    if not spec.active: return
    m = cfg.model; store = get_store(list_audio(split_dir(cfg, 'train')), m.fs, m.dur)
    t0 = time.perf_counter(); bank = get_bank(store, spec, cfg.td_aug.bank_dir)
    dt, audio_min = time.perf_counter() - t0, store.lengths.sum()/m.fs/60
    print(f"replica bank: {len(store)} tracks ({audio_min:.1f} min) x {spec.k} versions, {bank.lengths.sum()/m.fs/60:.1f} min stored "
          f"({bank.lengths.sum()*4/2**20:.0f} MiB), built in {dt:.0f} s ({dt/audio_min:.1f} s per minute of training audio)", flush=True)

def encoder_rate(cfg, steps:int):
    "Training samples/s of one train step (embedder forward+backward on anchors+replicas), or None."
    try: from neural_audio_fp.model.encoder import build_embedder
    except ImportError: return None
    import tensorflow as tf
    try: from neural_audio_fp.train.loss import nt_xent_loss
    except ImportError: nt_xent_loss = None
    emb, opt = build_embedder(cfg.model), tf.keras.optimizers.Adam(1e-4)
    na, bsz = cfg.bsz.tr_n_anchor, cfg.bsz.tr_batch_sz
    x = tf.random.normal([bsz, int(cfg.model.fs*cfg.model.dur)])*.1
    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            z = emb(x, training=True)
            a, b = z[:na], z[na:]
            loss = nt_xent_loss(a, b, cfg.loss.tau) if nt_xent_loss else -tf.reduce_mean(tf.reduce_sum(a*b, -1))
        g = tape.gradient(loss, emb.trainable_variables)
        opt.apply_gradients(zip(g, emb.trainable_variables))
        return loss
    step(x)
    t0 = time.perf_counter()
    for _ in range(steps): step(x)
    return steps*bsz/(time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n_train', type=int, default=40, help='30 s training tracks in the benchmark corpus')
    ap.add_argument('--batches', type=int, default=20, help='batches timed per preset')
    ap.add_argument('--steps', type=int, default=3, help='encoder train steps timed per preset')
    ap.add_argument('--presets', default='tiny,tiny_real,default', help='comma-separated presets to time')
    args = ap.parse_args()
    _cores(2)
    os.environ.setdefault('NAFP_NO_PROGRESS', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2); tf.config.threading.set_inter_op_parallelism_threads(2)
    from neural_audio_fp.config.base import load_config, with_data_root
    tmp = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter(); root = _corpus(tmp/'corpus', args.n_train)
        print(f"corpus: {args.n_train} training tracks of 30 s, built in {time.perf_counter() - t0:.0f} s; cores: {len(os.sched_getaffinity(0))}")
        for preset in args.presets.split(','):
            cfg = with_data_root(load_config(preset, overrides={'DEVICE.CPU_N_WORKERS': 2, 'TD_AUG.BANK_DIR': str(tmp/'bank')}), root)
            bank_build(cfg)
            p = pipeline_rate(cfg, args.batches)
            line = f"{preset:8s} batch {cfg.bsz.tr_batch_sz:4d} ({cfg.bsz.tr_n_anchor} anchors): pipeline {p:8.0f} pairs/s"
            e = encoder_rate(cfg, args.steps)
            if e is None: line += "   encoder: n/a (neural_audio_fp.model.encoder not available)"
            else: line += f"   encoder train step {e:7.1f} samples/s   pipeline/encoder = {p/(e/2):.1f}x (a pair = 2 samples)"
            print(line, flush=True)
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()

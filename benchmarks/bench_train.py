"""Training and inference throughput of the fingerprinter on this machine.

Prints, for the `tiny` and `default` presets: training samples/s (compiled train step: log-mel,
SpecAugment, encoder, NT-Xent, optimiser update; steady state after compilation) and inference
segments/s of `embed` (log-mel + encoder, raw 1 s segments in, fingerprints out).

    python benchmarks/bench_train.py [--presets tiny default] [--steps 5] [--segments 1000]
"""
import argparse, os, time
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np
import tensorflow as tf
from neural_audio_fp.config.base import load_config
from neural_audio_fp.model.features import get_melspec
from neural_audio_fp.model.encoder import build_fingerprinter, build_embedder
from neural_audio_fp.train.loss import get_loss
from neural_audio_fp.train.optim import make_optimizer
from neural_audio_fp.augment.ops import get_specaug_chain
from neural_audio_fp.train.loop import make_steps, synthetic_pairs
from neural_audio_fp.model.checkpoint import embed

def bench(preset, steps, n_seg):
    cfg = load_config(preset)
    fp = build_fingerprinter(cfg.model)
    opt = make_optimizer(cfg.train, 1000); opt.build(fp.trainable_variables)
    tstep, _ = make_steps(fp, get_melspec(cfg.model), get_loss(cfg.loss), opt, get_specaug_chain(cfg.spec_aug, seed=0))
    a, r = next(iter(synthetic_pairs(1, cfg.bsz.tr_n_anchor)))
    t = time.time(); float(tstep(a, r)); t_compile = time.time() - t
    t = time.time()
    for _ in range(steps): float(tstep(a, r))
    tr = steps * cfg.bsz.tr_batch_sz / (time.time() - t)
    emb = build_embedder(cfg.model, fp)
    x = np.random.default_rng(0).standard_normal((n_seg, 8000)).astype(np.float32)
    embed(emb, x[:cfg.bsz.ts_batch_sz], cfg.bsz.ts_batch_sz)  # compile
    t = time.time(); embed(emb, x, cfg.bsz.ts_batch_sz); inf = n_seg / (time.time() - t)
    print(f"{preset:8s} params {fp.count_params():>10,d}  batch {cfg.bsz.tr_batch_sz:4d}  "
          f"train {tr:7.1f} samples/s  inference {inf:7.1f} segments/s  (first step incl. compile {t_compile:.1f} s)", flush=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--presets', nargs='+', default=['tiny', 'default'])
    p.add_argument('--steps', type=int, default=None, help='timed train steps (default: 5 for tiny, 2 otherwise)')
    p.add_argument('--segments', type=int, default=None, help='segments embedded (default: 2000 for tiny, 500 otherwise)')
    a = p.parse_args()
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, GPUs: {len(tf.config.list_physical_devices('GPU'))}")
    for pr in a.presets:
        bench(pr, a.steps or (5 if pr == 'tiny' else 2), a.segments or (2000 if pr == 'tiny' else 500))

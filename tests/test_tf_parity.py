"The shipped models give the fingerprints they gave under TensorFlow 2.17 (tests/data/fingerprints-tf217.npz), with the installed TensorFlow and with NumPy."
from pathlib import Path
import numpy as np, pytest

REF = Path(__file__).parent/'data'/'fingerprints-tf217.npz'

def segments():
    "64 segments of decaying tones over noise, the same on every NumPy version (`default_rng` streams are stable)."
    rng, t = np.random.default_rng(2026), np.arange(8000)/8000
    x = (rng.standard_normal((64, 8000))*.05).astype(np.float32)
    for i in range(64):
        for _ in range(6):
            f, on = rng.uniform(300, 3500), rng.uniform(0, .8)
            x[i] += ((t >= on)*np.sin(2*np.pi*f*t)*np.exp(-4*np.clip(t-on, 0, None))).astype(np.float32)
    return x

@pytest.mark.parametrize('name', ['tiny', 'tiny_real'])
def test_numpy_engine_matches_tf217(name):
    from neural_audio_fp.model.checkpoint import weights_root
    from neural_audio_fp.model.np_encoder import NumpyEncoder
    np.testing.assert_allclose(NumpyEncoder(weights_root()/name/'weights.npz')(segments()), np.load(REF)[f'{name}.keras'], atol=1e-5)

@pytest.mark.parametrize('name', ['tiny', 'tiny_real'])
def test_keras_matches_tf217(name):
    pytest.importorskip('tensorflow')
    from neural_audio_fp.model.pretrained import load_pretrained
    from neural_audio_fp.model.checkpoint import embed
    np.testing.assert_allclose(embed(load_pretrained(name)[0], segments()), np.load(REF)[f'{name}.keras'], atol=1e-4)

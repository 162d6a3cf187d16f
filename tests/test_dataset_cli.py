"`nafp dataset build` and `nafp dataset check` on a tiny corpus, run as a user would run them."
import subprocess, json
import soundfile as sf

def nafp(*args):
    return subprocess.run(['nafp', *args], capture_output=True, text=True, timeout=600)

def test_dataset_build_then_check(tmp_path):
    root = tmp_path/'corpus'
    r = nafp('dataset', 'build', str(root), '--n_train', '3', '--n_val', '2', '--n_test', '2', '--n_dummy', '2',
             '--n_bg', '2', '--n_ir', '2', '--dur', '10', '--workers', '1', '--seed', '3')
    assert r.returncode == 0, r.stderr
    assert 'OK' in r.stdout and 'music/train-3-10s: 3 files' in r.stdout
    man = json.loads((root/'manifest.json').read_text())
    assert man['complete'] and man['params']['seed'] == 3 and len(man['files']) == 3 + 2 + 2*2 + 2 + 2 + 2
    q = root/'music/test-query-db-2-10s/query/000001.wav'
    assert sf.info(q).frames == sf.info(root/'music/test-query-db-2-10s/db/000001.wav').frames == 80000
    r = nafp('dataset', 'check', str(root))
    assert r.returncode == 0 and 'OK' in r.stdout, r.stdout + r.stderr
    # damage one file: the check names it and fails with exit code 2
    (root/'aug/ir/tr/0000.wav').write_bytes(b'not audio')
    r = nafp('dataset', 'check', str(root))
    assert r.returncode == 2, r.stdout
    assert 'aug/ir/tr/0000.wav' in r.stdout and 'unreadable' in r.stdout and 'problem' in r.stderr
    assert 'Traceback' not in r.stderr

def test_dataset_check_missing_folder(tmp_path):
    r = nafp('dataset', 'check', str(tmp_path/'nope'))
    assert r.returncode == 2 and 'folder not found' in r.stdout

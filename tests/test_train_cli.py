"`nafp train` as a user runs it: help, and a clear error (no traceback) without data."
import subprocess

def nafp(*args):
    return subprocess.run(['nafp', *map(str, args)], capture_output=True, text=True, timeout=300)

def test_train_help_shows_positional_name_and_index():
    r = nafp('train', '--help')
    assert r.returncode == 0, r.stderr
    assert 'name' in r.stdout and 'index' in r.stdout and '--max_epoch' in r.stdout and '--data_root' in r.stdout

def test_train_without_corpus_is_a_clear_error(tmp_path):
    r = nafp('train', 'run1', '--config', 'tiny', '--data_root', tmp_path/'nowhere', '--log_root', tmp_path/'logs')
    assert r.returncode == 2 and 'does not exist' in r.stderr and 'Traceback' not in r.stderr, r.stderr

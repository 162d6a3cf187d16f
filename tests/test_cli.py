"The installed `nafp` command, run as a user would run it."
import subprocess, sys

def nafp(*args):
    return subprocess.run(['nafp', *args], capture_output=True, text=True, timeout=300)

def test_help_lists_commands_without_heavy_imports():
    r = nafp('--help')
    assert r.returncode == 0 and 'commands:' in r.stdout and 'config' in r.stdout
    # `nafp --help` stays instant: the dispatcher imports no TensorFlow, Faiss or librosa
    code = ("import sys, contextlib, io; from neural_audio_fp.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
            "print(sorted(m for m in ('tensorflow', 'faiss', 'librosa') if m in sys.modules))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == '[]', r.stdout + r.stderr

def test_unknown_command_fails():
    r = nafp('frobnicate')
    assert r.returncode == 2 and 'unknown command' in r.stderr

def test_config_prints_resolved_preset():
    r = nafp('config', '--config', 'tiny')
    assert r.returncode == 0 and 'EMB_SZ: 64' in r.stdout and 'SPEC_AUG:' in r.stdout

def test_bad_config_is_a_clear_error():
    r = nafp('config', '--config', 'nope')
    assert r.returncode == 2 and "unknown config 'nope'" in r.stderr and 'Traceback' not in r.stderr

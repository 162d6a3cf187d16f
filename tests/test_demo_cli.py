"`nafp demo` from the shell (the full run is tested at a reduced size in nbs/cli/91_demo.ipynb, flag `slow`)."
import subprocess

def nafp(*args):
    return subprocess.run(['nafp', *args], capture_output=True, text=True, timeout=300)

def test_demo_help_lists_options():
    r = nafp('demo', '--help')
    assert r.returncode == 0, r.stderr
    for opt in ('--workdir', '--train', '--seed', '--train_epochs'): assert opt in r.stdout, r.stdout

def test_demo_workdir_that_is_a_file_is_a_clear_error(tmp_path):
    f = tmp_path/'file.txt'; f.write_text('x')
    r = nafp('demo', '--workdir', str(f))
    assert r.returncode == 2 and 'is a file' in r.stderr, r.stderr

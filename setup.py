from configparser import ConfigParser
import setuptools, shlex

# note: all settings are in settings.ini; edit there, not here
config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language".split()
for o in expected: assert o in cfg, "missing expected setting: {}".format(o)
setup_cfg = {o:cfg[o] for o in cfg_keys}

licenses = {
    'apache2': ('Apache Software License 2.0','OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
}
statuses = [ '1 - Planning', '2 - Pre-Alpha', '3 - Alpha',
    '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive' ]
py_versions = '3.11 3.12 3.13'.split()

reqs = lambda key: shlex.split(cfg.get(key, ''))
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
# the base install builds and queries fingerprint databases (NumPy encoder, Faiss CPU); the extras add:
# `calibrate`: the renderer of the calibration material (music21, pretty-midi, pyroomacoustics)
# `train`: TensorFlow for training, augmentation and checkpoints without a NumPy export, with `calibrate`
# `tfio`: tensorflow-io's in-graph decoder (used only where it loads with the installed TensorFlow)
# `gpu`: `train` with TensorFlow's CUDA libraries and a Faiss GPU build
# `milvus`: Milvus Lite; `milvus-server`: a standalone Milvus server for testing the server mode on one machine
# `dev`: everything a contributor needs on a CPU machine; `cpu`: the old name of `train`
calibrate, train, tfio = reqs('calibrate_requirements'), reqs('calibrate_requirements') + reqs('train_requirements'), reqs('tfio_requirements')
gpu, milvus, dev = train + reqs('gpu_requirements'), reqs('milvus_requirements'), reqs('dev_requirements')
server = reqs('milvus_server_requirements')
extras = {'calibrate': calibrate, 'train': train, 'cpu': train, 'tfio': tfio, 'gpu': gpu, 'milvus': milvus,
          'milvus-server': milvus+server, 'dev': train+tfio+milvus+dev}
project_urls = {}
if cfg.get('doc_host'): project_urls["Documentation"] = cfg['doc_host'] + cfg.get('doc_baseurl', '')

setuptools.setup(
    name = cfg['lib_name'],
    license = lic[0],
    classifiers = [
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
    ] + ['Programming Language :: Python :: '+o for o in py_versions[py_versions.index(min_python):]] + (['License :: ' + lic[1] ] if lic[1] else []),
    url = cfg['git_url'],
    packages = setuptools.find_packages(),
    include_package_data = True,
    package_data = {cfg['lib_name']: ['configs/*.yaml', 'weights/*/*', 'weights/*/*/*']},
    install_requires = reqs('requirements'),
    extras_require = extras,
    python_requires  = '>=' + cfg['min_python'],
    long_description = open('README.md', encoding='utf-8').read(),
    long_description_content_type = 'text/markdown',
    zip_safe = False,
    entry_points = {
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d']
    },
    project_urls = project_urls,
    **setup_cfg)

"""Build the docs website into _docs/ (or README.md with --readme); see docs/README.md and `--help`."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))   # so that parallel workers import `docsite` too
from docsite import main

if __name__ == '__main__': sys.exit(main())

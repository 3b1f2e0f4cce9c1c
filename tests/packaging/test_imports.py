"""Plain functions import no Beam: only newsbeam.transforms.beam and newsbeam.pipelines may."""
import json
import pkgutil
import subprocess
import sys

import newsbeam.schemas
import newsbeam.training
import newsbeam.transforms

PLAIN_PACKAGES = (newsbeam.transforms, newsbeam.schemas, newsbeam.training)


def plain_modules() -> list[str]:
    found = []
    for package in PLAIN_PACKAGES:
        found.append(package.__name__)
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.startswith("newsbeam.transforms.beam"):
                found.append(module.name)
    return sorted(found)


def test_no_plain_module_imports_apache_beam():
    modules = plain_modules()
    assert "newsbeam.transforms.enrich.language" in modules
    script = ("import importlib, json, sys\n"
              "culprits = []\n"
              f"for name in {modules!r}:\n"
              "    importlib.import_module(name)\n"
              "    if 'apache_beam' in sys.modules and not culprits:\n"
              "        culprits.append(name)\n"
              "print(json.dumps(culprits))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == [], "imports apache_beam at import time"

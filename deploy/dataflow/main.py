"""Flex Template launcher entry point (FLEX_TEMPLATE_PYTHON_PY_FILE in deploy/dataflow/Dockerfile).

The logic lives in the installed package (newsbeam.pipelines.flex_template), where it is tested.
"""
import sys

from newsbeam.pipelines.flex_template import main

if __name__ == "__main__":
    sys.exit(main())

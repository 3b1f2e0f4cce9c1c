"""Reading back what a run wrote: every Avro file below a folder, as fastavro gives it."""
import glob
import os

import fastavro


def records_by_file(folder) -> dict[str, list[dict]]:
    """{path relative to `folder`: its records} for every *.avro below `folder`."""
    found = {}
    for path in sorted(glob.glob(os.path.join(str(folder), "**", "*.avro"), recursive=True)):
        with open(path, "rb") as handle:
            found[os.path.relpath(path, str(folder))] = list(fastavro.reader(handle))
    return found


def read_records(folder) -> list[dict]:
    """Every record of every *.avro file below `folder`, file by file in name order."""
    return [record for records in records_by_file(folder).values() for record in records]


def avro_names(folder):
    """Every file below `folder`, relative to it, sorted."""
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)

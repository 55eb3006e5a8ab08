"""Files written whole or not at all: a kill mid-write leaves the previous version intact, so a
resumed run never reads half a state."""
import os
import pickle


def write_pickle(obj, path: str) -> None:
    """Pickles `obj` to `path` through a synced temporary file renamed over it."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

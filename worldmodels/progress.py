"""Progress for long stages: a tqdm bar on a terminal, plain log lines otherwise (at most one
every WORLDMODELS_PROGRESS_SECONDS, default 10; 0 logs every update), nothing when quiet.
WORLDMODELS_QUIET=1 silences it everywhere (the CLI's --quiet sets it)."""
from __future__ import annotations

import os
import sys
import time


def quiet() -> bool:
    return os.environ.get("WORLDMODELS_QUIET") == "1"


class Progress:
    def __init__(self, desc: str, total: int, unit: str = "it"):
        self.desc, self.total, self.unit, self.n = desc, total, unit, 0
        self._bar = None
        self._next_log = 0.0
        self._start = time.time()
        if quiet():
            return
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=True)

    def update(self, n: int = 1, **postfix) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)
            if postfix:
                self._bar.set_postfix(postfix, refresh=False)
        elif not quiet():
            now = time.time()
            if now >= self._next_log or self.n >= self.total:
                extras = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                  for k, v in postfix.items())
                print(f"[{self.desc}] {self.n}/{self.total} {self.unit} "
                      f"({now - self._start:.0f}s) {extras}".rstrip(), file=sys.stderr, flush=True)
                self._next_log = now + float(os.environ.get("WORLDMODELS_PROGRESS_SECONDS", 10))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

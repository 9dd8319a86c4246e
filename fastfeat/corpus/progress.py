"""What a run reports: the progress bar while it runs and the ``Summary`` at the end."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Summary:
    """What a run did.  ``line()`` is the summary the command prints.

    Decode, compute and write times are summed over workers (thread-seconds).
    """

    out: str
    files: int = 0
    failed: int = 0
    skipped: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    decode_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    errors_path: str = ""

    @property
    def realtime(self) -> float:
        """Seconds of audio per second of wall time."""
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def line(self) -> str:
        text = (f"{self.files} files, {self.audio_seconds / 3600:.3f} h of audio in {self.wall_seconds:.2f} s "
                f"({self.files / max(self.wall_seconds, 1e-9):,.0f} files/s, {self.realtime:,.0f}x real time); "
                f"{self.failed} failed; decode {self.decode_seconds:.2f} s, compute {self.compute_seconds:.2f} s, "
                f"write {self.write_seconds:.2f} s (summed over workers)")
        if self.skipped:
            text += f"; {self.skipped} already done"
        if self.failed:
            text += f"; errors: {self.errors_path}"
        return text


class Progress:
    """tqdm when installed (files/s and x real time), else a plain line every second."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._lock = threading.Lock()
        self._t0 = self._last = time.perf_counter()
        self._done, self._total, self._audio = 0, total, 0.0
        self._bar = None
        self._enabled = enabled and total > 0
        if self._enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, unit="file", dynamic_ncols=True, smoothing=0.05)

    def update(self, files: int, seconds: float) -> None:
        if not self._enabled:
            return
        with self._lock:
            self._done += files
            self._audio += seconds
            now = time.perf_counter()
            rt = self._audio / max(now - self._t0, 1e-9)
            if self._bar is not None:
                self._bar.update(files)
                if now - self._last > 0.5:
                    self._bar.set_postfix_str(f"{rt:,.0f}x real time", refresh=False)
                    self._last = now
            elif now - self._last > 1.0 or self._done == self._total:
                self._last = now
                rate = self._done / max(now - self._t0, 1e-9)
                print(f"\r{self._done}/{self._total} files, {rate:,.0f} files/s, {rt:,.0f}x real time",
                      end="\n" if self._done == self._total else "", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

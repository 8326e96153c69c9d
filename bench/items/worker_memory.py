"""Item 5: the worker's peak memory (RSS of the worker and its pool processes) during item 2 at
each dataset size, beside the same worker idle, and item 2's time at each size (how the cost
grows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.harness.run_context import Run


def measure(run: Run, per_size: list[dict]) -> None:
    """The figures of item 5, from item 2's measurements at each size (`per_size`)."""
    peaks = [max(row["job"]["peak_rss_mb"], row["cold"]["peak_rss_mb"]) for row in per_size]
    flat = max(peaks) <= min(peaks) * 1.25
    for row, peak in zip(per_size, peaks, strict=True):
        run.figure(
            5,
            f"worker peak RSS, {row['attendance'] / 1e6:.2f}M records",
            peak,
            "MB",
            reference=row["job"]["idle_rss_mb"],
            reference_name="the same worker idle",
            ratio=peak / row["job"]["idle_rss_mb"],
            target="< 300 MB, flat",
            met=peak < 300 and flat,
            peak_pss_mb=max(row["job"]["peak_pss_mb"], row["cold"]["peak_pss_mb"]),
            processes=row["job"]["processes"],
        )
        run.figure(
            5,
            f"aggregation time, {row['attendance'] / 1e6:.2f}M records",
            row["job"]["seconds"],
            "s",
            reference=row["reference"]["seconds"],
            reference_name="one SQL GROUP BY",
            ratio=row["job"]["seconds"] / row["reference"]["seconds"],
            target="(cost growth)",
            records_per_s=round(row["attendance"] / row["job"]["seconds"]),
            first_aggregation_s=row["cold"]["seconds"],
        )

"""Process settings for serving: the garbage collector tuned for short-lived request objects."""

import gc

GC_THRESHOLDS = (50_000, 20, 100)


def tune_garbage_collector(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """Freeze what startup built (schema, modules) out of every later collection, and collect
    less often: a request makes tens of thousands of short-lived objects, most freed by
    reference counting, and the default first threshold (700) makes the collector rescan
    them many times per request."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)

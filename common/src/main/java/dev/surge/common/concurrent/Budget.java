package dev.surge.common.concurrent;

import java.util.concurrent.atomic.AtomicLong;

/** An amount that may be taken up to a maximum, never waiting: what does not fit now is refused. */
public final class Budget {
    private final long max;
    private final AtomicLong taken = new AtomicLong();

    public Budget(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("max should be at least 1 but was " + max);
        }
        this.max = max;
    }

    /** Takes {@code amount}, or returns false and takes nothing. */
    public boolean tryTake(long amount) {
        while (true) {
            long now = taken.get();
            if (now + amount > max) {
                return false;
            }
            if (taken.compareAndSet(now, now + amount)) {
                return true;
            }
        }
    }

    public void giveBack(long amount) {
        taken.addAndGet(-amount);
    }

    public long taken() {
        return taken.get();
    }

    public long max() {
        return max;
    }
}

package io.lockstep.cli.demo;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/** A progress bar with a live transactions-per-second figure, redrawn in place on a terminal. */
final class Progress {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    final AtomicLong done = new AtomicLong();
    private long lastPrinted = -1;

    Progress(PrintStream out, long total) {
        this.out = out;
        this.total = total;
        this.terminal = System.console() != null;
    }

    double rate() {
        double secs = (System.nanoTime() - started) / 1e9;
        return secs <= 0 ? 0 : done.get() / secs;
    }

    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    /** Redraws (on a terminal) or prints a line every 10% (otherwise). */
    void draw(boolean last) {
        long d = done.get();
        if (!terminal && last && d == lastPrinted) {
            return;
        }
        if (!terminal && !last && (d * 10 / Math.max(1, total)) == (lastPrinted * 10 / Math.max(1, total))) {
            return;
        }
        lastPrinted = d;
        int filled = (int) (WIDTH * d / Math.max(1, total));
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        String line = String.format("  [%s] %,d/%,d  %,.0f tx/s", bar, d, total, rate());
        if (terminal) {
            out.print("\r" + line + (last ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }
}

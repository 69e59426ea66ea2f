package dev.muster.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What this Linux host has to spare, read from /proc; -1 where it cannot tell (another OS). */
final class Resources {

    private Resources() {}

    static long memAvailableBytes() {
        return procField(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
    }

    static long maxOpenFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Resident memory of a process in bytes, or -1. */
    static long rssBytes(long pid) {
        long kb = procField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }

    private static long procField(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}

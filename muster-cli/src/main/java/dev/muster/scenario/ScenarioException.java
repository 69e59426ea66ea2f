package dev.muster.scenario;

/** A scenario file that cannot run: its message names the file, the line and the rule broken. */
public final class ScenarioException extends IllegalArgumentException {

    private final int line;

    public ScenarioException(String source, int line, String message) {
        super(source + (line > 0 ? ":" + line : "") + ": " + message);
        this.line = line;
    }

    /** The line of the file the error is on (1-based); 0 when it is about the whole file. */
    public int line() {
        return line;
    }
}

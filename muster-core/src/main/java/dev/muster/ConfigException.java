package dev.muster;

import java.util.List;

/**
 * A configuration that cannot be used, with every problem found, not just the first: each names
 * the setting (by its file key, or the environment variable it came from), the value and the
 * rule, for example {@code port: 70000 must be between 0 and 65535}. Problems found in a file
 * start with the file's name.
 */
public final class ConfigException extends IllegalArgumentException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, in the order they were found. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " configuration problems:\n  " + String.join("\n  ", problems);
    }
}
